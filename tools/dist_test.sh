#!/usr/bin/env bash
# tools/dist_test.sh CONFIG CHECKPOINT GPUS [test.py args...]
CONFIG=$1
CHECKPOINT=$2
GPUS=$3
PORT=${PORT:-29500}
torchrun --nproc_per_node="$GPUS" --master_port="$PORT" \
    "$(dirname "$0")/test.py" "$CONFIG" "$CHECKPOINT" --launcher pytorch "${@:4}"
