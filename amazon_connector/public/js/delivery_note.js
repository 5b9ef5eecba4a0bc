// Delivery Note: the Amazon shipment confirmation of a merchant-fulfilled Amazon order. A refused
// confirmation is corrected on the submitted note (carrier, tracking number) and sent again.
// A Sales Return asked back through Amazon says where it stands (the connector submits it).
frappe.ui.form.on("Delivery Note", {
	refresh(frm) {
		if (frm.doc.amazon_mcf_return_order) show_amazon_return(frm);
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

function show_amazon_return(frm) {
	const received = frm.doc.amazon_mcf_return_status === "Received";
	const lines = [
		received
			? __("Amazon received the units of this return; the sellable ones are back in the FBA warehouse.")
			: __(
					"Amazon accepted this return of fulfilment order {0}. The connector submits it, with the units that arrive sellable, once Amazon reports them received.",
					[frappe.utils.escape_html(frm.doc.amazon_mcf_return_order)],
				),
		frappe.utils.escape_html(frm.doc.amazon_mcf_return_authorization || (received ? "" : __("Amazon gives the return authorization later."))),
		frappe.utils.escape_html(frm.doc.amazon_mcf_return_message || ""),
	].filter(Boolean);
	frm.set_intro(lines.join("<br>"), received ? "green" : "blue");
}
