#!/usr/bin/env bash
# tools/dist_train.sh CONFIG GPUS [train.py args...]
CONFIG=$1
GPUS=$2
PORT=${PORT:-29500}
torchrun --nproc_per_node="$GPUS" --master_port="$PORT" \
    "$(dirname "$0")/train.py" "$CONFIG" --launcher pytorch "${@:3}"
