"""Gradio chat entry point: `python app.py [--host H] [--port P] [--index DIR]`, same as `assistant serve`."""

import sys

from assistant.cli import cli

if __name__ == "__main__":
    cli(["serve", *sys.argv[1:]], prog_name="app.py")
