"""The bottom layer: what every app may use and that knows no app of ours. Markup and diffs,
the ports through which a lower app asks a higher one (audit, hooks), the privacy registry,
and the shared refusal helpers."""
