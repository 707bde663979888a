"""Generated protobuf code only (scripts/gen_protos.py); never edited by hand."""
