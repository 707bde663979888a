"""Users' Python entries (`module:function`): loading them beside their config, and one runner that
calls and checks them for every mode."""

from metrics_build.user_code.loading import load_function, on_sys_path
from metrics_build.user_code.runner import EntryOutput, run_entries

__all__ = ["EntryOutput", "load_function", "on_sys_path", "run_entries"]
