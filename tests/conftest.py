import sys
from pathlib import Path

# tests/ helpers (reference.py, toy data) import as plain modules.
sys.path.insert(0, str(Path(__file__).resolve().parent))
