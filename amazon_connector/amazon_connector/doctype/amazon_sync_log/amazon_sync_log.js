frappe.ui.form.on("Amazon Sync Log", {
	refresh(frm) {
		const open = (frm.doc.failures || []).filter((row) => !row.retried).length;
		if (open && !frm.doc.dry_run) {
			frm.add_custom_button(__("Retry {0} Failed Record(s)", [open]), () =>
				frappe.call({
					method: "amazon_connector.api.retry_failures",
					args: { log: frm.doc.name },
					freeze: true,
					callback: (r) => r.message && frappe.show_alert({ message: r.message, indicator: "blue" }, 7),
				})
			);
		}
		if (frm.doc.amazon_account) {
			frm.add_custom_button(__("Amazon Settings"), () =>
				frappe.set_route("Form", "Amazon Settings", frm.doc.amazon_account)
			);
		}
	},
});
