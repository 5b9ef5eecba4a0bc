// Delivery Note: the Amazon shipment confirmation of a merchant-fulfilled Amazon order. A refused
// confirmation is corrected on the submitted note (carrier, tracking number) and sent again.
frappe.ui.form.on("Delivery Note", {
	refresh(frm) {
		const status = frm.doc.amazon_confirmation_status;
		if (frm.doc.docstatus !== 1 || !status) return;
		const colour = { Pending: "orange", Confirmed: "green", Failed: "red" }[status] || "grey";
		frm.dashboard.add_indicator(__("Amazon: {0}", [__(status)]), colour);
		if (status === "Confirmed") return;
		frm.add_custom_button(__("Retry confirmation"), () =>
			frappe
				.xcall("amazon_connector.erpnext_adapter.shipments.retry_confirmation", {
					delivery_note: frm.doc.name,
				})
				.then((message) => {
					frappe.show_alert({ message, indicator: "blue" });
					frm.reload_doc();
				}),
		);
	},
});
