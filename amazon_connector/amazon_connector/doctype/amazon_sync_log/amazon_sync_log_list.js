frappe.listview_settings["Amazon Sync Log"] = {
	add_fields: ["kind", "status", "open_failures"],
	formatters: {
		// The kinds as the buttons name them (the stored values are the runner's stage ids).
		kind: (value) =>
			({
				products: __("Products"),
				orders: __("Orders"),
				fees: __("Fees"),
				invoices: __("Invoices"),
				inventory: __("FBA Inventory"),
				retry: __("Retry"),
			})[value] || value,
	},
	get_indicator(doc) {
		const colors = {
			Queued: "gray",
			Running: "blue",
			Success: "green",
			"Partial Success": "orange",
			Failed: "red",
			Skipped: "gray",
			Interrupted: "red",
		};
		return [__(doc.status), colors[doc.status] || "gray", "status,=," + doc.status];
	},
};
