// Amazon Settings: buttons that start background jobs, with progress while they run and a
// summary when they end. The server refuses a second job for the same account.

frappe.ui.form.on("Amazon Settings", {
	setup(frm) {
		for (const fieldname of ["warehouse", "fba_warehouse"]) {
			frm.set_query(fieldname, () => ({ filters: { company: frm.doc.company, is_group: 0 } }));
		}
		frm.set_query("account_group", () => ({ filters: { company: frm.doc.company, is_group: 1 } }));
		frm.set_query("clearing_account", () => ({ filters: { company: frm.doc.company, is_group: 0 } }));
		frm.set_query("price_list", () => ({ filters: { selling: 1 } }));
		frm.set_query("price_list", "marketplaces", (doc, cdt, cdn) => {
			const row = locals[cdt][cdn];
			return { filters: { selling: 1, ...(row.currency ? { currency: row.currency } : {}) } };
		});
	},

	onload(frm) {
		frappe.realtime.off("amazon_connector_job");
		frappe.realtime.on("amazon_connector_job", (data) => {
			if (data.account !== frm.doc.name) return;
			frappe.hide_progress();
			frappe.msgprint({
				title: data.title,
				message: data.message,
				indicator: data.indicator || "blue",
			});
			frm.reload_doc();
		});
	},

	refresh(frm) {
		if (frm.is_new()) return;
		const run = (method, label) =>
			frappe.call({
				method: `amazon_connector.api.${method}`,
				args: { account: frm.doc.name },
				freeze: true,
				freeze_message: __("Starting {0}…", [label]),
				callback: (r) => {
					if (r.message) frappe.show_alert({ message: r.message, indicator: "blue" }, 7);
				},
			});

		frm.add_custom_button(__("Test Connection"), () => run("test_connection", __("Test Connection")));
		if (frm.doc.enabled) {
			const group = __("Sync");
			frm.add_custom_button(__("Products"), () => run("sync_products", __("Sync Products")), group);
			frm.add_custom_button(__("Orders"), () => run("sync_orders", __("Sync Orders")), group);
			if (frm.doc.sync_fees) {
				frm.add_custom_button(__("Fees"), () => run("sync_fees", __("Sync Fees")), group);
			}
		}
		frm.add_custom_button(__("Sync Logs"), () =>
			frappe.set_route("List", "Amazon Sync Log", { amazon_account: frm.doc.name })
		);
		frappe
			.xcall("amazon_connector.api.sync_status", { account: frm.doc.name })
			.then((status) => {
				if (status && status.running) {
					frm.dashboard.set_headline(
						__("A sync of this account is queued or running; another one will not start until it ends."),
						"blue"
					);
				}
			});
	},

	environment(frm) {
		if (frm.doc.environment !== "Custom Endpoint") frm.set_value("endpoint_url", "");
	},
});

frappe.ui.form.on("Amazon Marketplace", {
	country_code(frm, cdt, cdn) {
		const row = locals[cdt][cdn];
		if (row.country_code) frappe.model.set_value(cdt, cdn, "country_code", row.country_code.toUpperCase());
	},
});
