frappe.listview_settings["Amazon Sync Log"] = {
	add_fields: ["kind", "status", "open_failures"],
	// The log number says little at a glance and squeezed the Started column to "12-01-2026 2…".
	hide_name_column: true,
	formatters: {
		// The kinds as the buttons name them (the stored values are the runner's stage ids).
		kind: (value) =>
			({
				products: __("Products"),
				orders: __("Orders"),
				fees: __("Fees"),
				invoices: __("Invoices"),
				fba_inventory: __("FBA Inventory"),
				stock_push: __("Stock to Amazon"),
				mcf: __("Amazon Fulfilment Status"),
				shipment_confirmation: __("Shipment Confirmation"),
				listing_health: __("Listings Health"),
				price_push: __("Prices to Amazon"),
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
