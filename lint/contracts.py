"""An import-linter contract that import-linter lacks: a sub-module of an external package
(django.core.mail) that only some of our modules may import.

import-linter sees an external package as one node (`django`), so a `protected` contract
cannot name `django.core.mail`. This one reads the import statements behind each edge to
`django` instead."""

import re

import grimp
from importlinter import Contract, ContractCheck, fields, output


class ExternalSubmoduleProtectedContract(Contract):
    """Only `allowed_importers` (packages) may import `protected_modules` (dotted names inside
    an external package, e.g. django.core.mail)."""

    type_name = "external_submodule_protected"

    protected_modules = fields.ListField(subfield=fields.StringField())
    allowed_importers = fields.ListField(subfield=fields.StringField())
    # Importers let off for now (modules, as `importer -> external.sub`), as for other contracts.
    ignore_imports = fields.ListField(subfield=fields.StringField(), required=False)

    def check(self, graph: grimp.ImportGraph, verbose: bool) -> ContractCheck:
        allowed = tuple(self.allowed_importers)
        protected = tuple(self.protected_modules)
        pattern = re.compile(
            r"^\s*(?:from\s+(?P<from>[\w.]+)\s+import\s+(?P<names>.+)|import\s+(?P<module>[\w.]+))"
        )
        illegal = []
        for external in {name.split(".")[0] for name in protected}:
            if external not in graph.modules:
                continue
            for importer in sorted(graph.find_modules_that_directly_import(external)):
                if importer.split(".")[0] in allowed or importer in allowed:
                    continue
                if any(i.split(" -> ")[0] == importer for i in self.ignore_imports or ()):
                    continue
                for detail in graph.get_import_details(importer=importer, imported=external):
                    match = pattern.match(detail["line_contents"])
                    if not match:
                        continue
                    module = match["from"] or match["module"]
                    names = [module] + [
                        f"{module}.{n.strip().split(' ')[0]}"
                        for n in (match["names"] or "").strip("()").split(",")
                    ]
                    if any(n == p or n.startswith(p + ".") for n in names for p in protected):
                        illegal.append((importer, detail["line_number"], detail["line_contents"]))
        return ContractCheck(kept=not illegal, metadata={"illegal": illegal})

    def render_broken_contract(self, check: ContractCheck) -> None:
        for importer, line, contents in check.metadata["illegal"]:
            output.print_error(f"{importer} (l.{line}): {contents.strip()}")
            output.new_line()
