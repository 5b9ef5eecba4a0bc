frappe.listview_settings["Amazon Sync Log"] = {
	get_indicator(doc) {
		const colors = {
			Queued: "gray",
			Running: "blue",
			Success: "green",
			"Partial Success": "orange",
			Failed: "red",
			Skipped: "gray",
		};
		return [__(doc.status), colors[doc.status] || "gray", "status,=," + doc.status];
	},
};
