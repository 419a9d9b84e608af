"""An import-linter contract over every module of the domains: each has a role, imports point down the roles.

The floors contract orders the top-level packages; inside them this one orders the modules by what they do,
top to bottom: views (and other web edges), tasks, services, forms, models, rules and texts. A module's role
is its file name (`casework/cases/service.py` is a service); a module named otherwise is listed under the
role it plays in pyproject.toml, so a new module with an unknown name breaks the contract until someone
says what it is. Checked over every module of the `containers`:

- every module has a role;
- an import goes to the same role or one further down (a model never imports a service, a service never a
  view), within one domain and across domains alike (the floors decide which domains may meet);
- the modules import each other in no loop (imports under `if TYPE_CHECKING:` aside: models name each
  other there for SQLAlchemy's relationships);
- only the top role imports the web framework (`web`), and the bottom role stays pure (`pure`: no database,
  web or network), so rules can be tested without either.

Run by `make lint` (`lint-imports`); `tests/test_floors.py` shows it catching each kind of mistake.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import grimp
from importlinter.application import contract_utils, output
from importlinter.domain import fields
from importlinter.domain.contract import Contract, ContractCheck


class RolesContract(Contract):
    type_name = "roles"

    containers = fields.ListField(subfield=fields.StringField())
    roles = fields.ListField(subfield=fields.StringField())
    web = fields.ListField(subfield=fields.StringField())
    pure = fields.ListField(subfield=fields.StringField())
    broken_contract_guidance = fields.TextField(required=False)

    def check(self, graph: grimp.ImportGraph, verbose: bool) -> ContractCheck:
        containers = [str(name) for name in self.containers]  # type: ignore[attr-defined]
        levels = role_levels([str(role) for role in self.roles])  # type: ignore[attr-defined]
        modules = domain_modules(graph, containers)
        problems = check_roles(
            modules=modules,
            levels=levels,
            imports={module: graph.find_modules_directly_imported_by(module) for module in modules},
            web={str(name) for name in self.web},  # type: ignore[attr-defined]
            pure={str(name) for name in self.pure},  # type: ignore[attr-defined]
        )
        # Loops are judged without the imports under `if TYPE_CHECKING:` (a graph of their own).
        typed = grimp.build_graph(*containers, exclude_type_checking_imports=True, cache_dir=None)
        problems += loops(
            {m: typed.find_modules_directly_imported_by(m) & modules for m in modules if m in typed.modules}
        )
        return ContractCheck(kept=not problems, metadata={"problems": problems})

    def render_broken_contract(self, check: ContractCheck) -> None:
        for problem in check.metadata["problems"]:
            output.print_error(f"-   {problem}", bold=False)
        output.new_line()
        contract_utils.render_broken_contract_guidance(self.broken_contract_guidance)  # type: ignore[arg-type]


def role_levels(roles: Iterable[str]) -> dict[str, int]:
    """`["views | webhooks", "service"]` → {"views": 0, "webhooks": 0, "service": 1}: 0 is the top."""
    return {name.strip(): level for level, names in enumerate(roles) for name in names.split("|") if name.strip()}


def domain_modules(graph: grimp.ImportGraph, containers: Iterable[str]) -> set[str]:
    """Every module of the containers that is a file of code, not a package's `__init__`."""
    found: set[str] = set()
    for container in containers:
        for module in graph.find_descendants(container):
            if not graph.find_children(module):  # a package's __init__ holds no code of a role
                found.add(module)
    return found


def role_of(module: str, levels: Mapping[str, int]) -> str | None:
    """A module plays the role named by its file name, or the one its dotted path is listed under."""
    if module in levels:
        return module
    name = module.rsplit(".", 1)[-1]
    return name if name in levels else None


def check_roles(
    *,
    modules: set[str],
    levels: Mapping[str, int],
    imports: Mapping[str, Iterable[str]],
    web: set[str],
    pure: set[str],
) -> list[str]:
    problems: list[str] = []
    bottom = max(levels.values(), default=0)
    for module in sorted(modules):
        role = role_of(module, levels)
        if role is None:
            problems.append(f"{module} has no role: name the file after what it does or list it in `roles`")
            continue
        for imported in sorted(imports[module]):
            root = imported.split(".", 1)[0]
            if imported in modules:
                other = role_of(imported, levels)
                if other is not None and levels[other] < levels[role]:
                    problems.append(f"{module} ({role}) imports {imported} ({other}), which stands above it")
            elif levels[role] > 0 and (imported in web or root in web):
                problems.append(f"{module} ({role}) imports the web framework ({imported}); only views may")
            if levels[role] == bottom and any(imported == p or imported.startswith(p + ".") for p in pure):
                problems.append(f"{module} ({role}) must stay pure but imports {imported}")
    return problems


def loops(imports: Mapping[str, Iterable[str]]) -> list[str]:
    """One line per loop of modules importing each other (Tarjan's strongly connected components)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[str] = []

    def visit(start: str) -> None:
        # Iterative, so a long chain of imports cannot exhaust Python's recursion limit.
        work: list[tuple[str, Any]] = [(start, iter(sorted(imports.get(start, ()))))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, successors = work[-1]
            for successor in successors:
                if successor not in index:
                    index[successor] = low[successor] = len(index)
                    stack.append(successor)
                    on_stack.add(successor)
                    work.append((successor, iter(sorted(imports.get(successor, ())))))
                    break
                if successor in on_stack:
                    low[node] = min(low[node], index[successor])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    component: list[str] = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append("these modules import each other in a loop: " + ", ".join(sorted(component)))

    for module in sorted(imports):
        if module not in index:
            visit(module)
    return found
