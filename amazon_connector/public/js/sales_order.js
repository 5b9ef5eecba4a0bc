// Sales Order: the Journal Entries of Amazon's fees for an imported order. They cannot reference the
// order in their rows (ERPNext allows that only for advances), so they carry its Amazon order id.
frappe.ui.form.on("Sales Order", {
	refresh(frm) {
		if (frm.is_new() || !frm.doc.amazon_order_id) return;
		frm.add_custom_button(
			__("Amazon Fee Entries"),
			() => frappe.set_route("List", "Journal Entry", { amazon_order_id: frm.doc.amazon_order_id }),
			__("View"),
		);
	},
});
