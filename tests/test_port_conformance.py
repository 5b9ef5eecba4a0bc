"""The ERPNext adapter keeps to the ERP port it implements, checked without importing Frappe.

`ErpNextPort` imports Frappe, so the type checker cannot check it the way it checks the preview and
SpApiSource (see pyproject.toml). Instead its source is parsed: every method of the ERP port's
Protocols must be defined on it with the same parameters, and it defines no public method the
port does not declare.
"""

from __future__ import annotations

import ast
import inspect
from pathlib import Path
from typing import Protocol

from amazon_connector.core import ports

ADAPTER = Path(ports.__file__).resolve().parents[1] / "erpnext_adapter" / "port.py"

# ERP port methods the adapter does not implement yet (their ERPNext side is being built). A name
# leaves this set when the adapter gains the method; the test fails until it does.
NOT_YET_IMPLEMENTED: set[str] = set()


def protocol_methods(protocol: type) -> dict[str, list[tuple[str, str]]]:
	"""Method name -> [(parameter name, kind)] (without self) of a Protocol and its bases."""
	methods = {}
	for klass in protocol.__mro__:
		if klass in (Protocol, object) or not getattr(klass, "_is_protocol", False):
			continue
		for name, value in vars(klass).items():
			if name.startswith("_") or not inspect.isfunction(value):
				continue
			params = list(inspect.signature(value).parameters.values())[1:]
			methods.setdefault(name, [(p.name, p.kind.name) for p in params])
	return methods


def adapter_methods(path: Path, class_name: str) -> dict[str, list[tuple[str, str]]]:
	tree = ast.parse(path.read_text(encoding="utf-8"))
	klass = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == class_name)
	methods = {}
	for node in klass.body:
		if isinstance(node, ast.FunctionDef) and not node.name.startswith("_"):
			args = node.args
			params = [(a.arg, "POSITIONAL_OR_KEYWORD") for a in (args.posonlyargs + args.args)[1:]]
			params += [(a.arg, "KEYWORD_ONLY") for a in args.kwonlyargs]
			methods[node.name] = params
	return methods


def test_the_erpnext_port_implements_the_erp_port_with_its_signatures():
	declared = protocol_methods(ports.ErpPort)
	implemented = adapter_methods(ADAPTER, "ErpNextPort")
	missing = set(declared) - set(implemented)
	assert missing == NOT_YET_IMPLEMENTED, (
		f"ErpNextPort lacks {sorted(missing - NOT_YET_IMPLEMENTED)}; now implements "
		f"{sorted(NOT_YET_IMPLEMENTED - missing)} (take those out of NOT_YET_IMPLEMENTED)"
	)
	for name in set(declared) & set(implemented):
		assert implemented[name] == declared[name], f"ErpNextPort.{name} differs from the port's signature"
	assert not set(implemented) - set(declared), "ErpNextPort has public methods the port does not declare"


def test_the_check_sees_a_drifting_method(tmp_path):
	drifted = tmp_path / "port.py"
	drifted.write_text(
		ADAPTER.read_text(encoding="utf-8").replace(
			"def cancel_sales_order(self, amazon_order_id: str, reason: str)",
			"def cancel_sales_order(self, amazon_order_id: str)",
		),
		encoding="utf-8",
	)
	assert (
		adapter_methods(drifted, "ErpNextPort")["cancel_sales_order"]
		!= protocol_methods(ports.ErpPort)["cancel_sales_order"]
	)
