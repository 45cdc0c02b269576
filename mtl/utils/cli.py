"""How the command-line tools present errors: the message first, the traceback on request.

No paper; usability. A user who passes a bad file or config key should read one paragraph
(the problem, the file or config key, the fix) as the first line of stderr, not a page of
traceback that buries it. The traceback is written to a log file (its path is printed) and
printed as usual with ``--debug``. Every tool's ``__main__`` calls :func:`run_tool`.
"""
import json
import os
import sys
import tempfile
import traceback
from typing import Callable, Optional

DEBUG_FLAG = '--debug'


def error_message(error: BaseException) -> str:
    """The error's message as one paragraph (``KeyError`` without its quotes)."""
    text = error.args[0] if isinstance(error, KeyError) and len(error.args) == 1 else str(error)
    text = ' '.join(str(text).split())
    return f'{type(error).__name__}: {text}' if text else type(error).__name__


def run_tool(main: Callable[[], object]) -> None:
    """Run ``main``; on an error print its message, log the traceback, exit with 1.
    ``--debug`` anywhere on the command line lets the error propagate with its traceback."""
    if DEBUG_FLAG in sys.argv:
        sys.argv.remove(DEBUG_FLAG)
        sys.exit(main())
    try:
        sys.exit(main())
    except Exception as error:  # noqa: BLE001  (every error gets the same presentation)
        tool = os.path.splitext(os.path.basename(sys.argv[0]))[0] or 'mtl'
        log = os.path.join(tempfile.gettempdir(), f'mtl-{tool}-traceback.log')
        with open(log, 'w') as f:
            traceback.print_exc(file=f)
        sys.stderr.write(f'{error_message(error)}\n(traceback in {log}; run with {DEBUG_FLAG} '
                         f'to print it)\n')
        sys.exit(1)


def report_json(result: dict, out: Optional[str] = None) -> None:
    """Print a tool's result as indented JSON and, with ``out``, write the same to that file."""
    text = json.dumps(result, indent=2)
    print(text)
    if out:
        with open(out, 'w') as f:
            f.write(text + '\n')
