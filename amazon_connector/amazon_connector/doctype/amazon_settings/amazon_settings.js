// Amazon Settings: buttons that start background jobs, with progress while they run and a
// summary when they end. The server refuses a second job for the same account.

frappe.provide("amazon_connector");

// The job's end, as the worker publishes it to the Amazon Settings record's room. amazon_sync_log.js
// carries the same function (Retry listens there too); whichever form shows the end marks it shown.
amazon_connector.JOB_EVENT = "amazon_connector_job";

amazon_connector.show_job_end = function (data) {
	if (data._shown) return;
	data._shown = true;
	const progress = frappe.cur_progress;
	frappe.hide_progress();
	// A progress dialog still fading in ignores hide(); close it again once it is shown.
	if (progress) progress.$wrapper.one("shown.bs.modal", () => progress.hide());
	frappe.msgprint({
		title: data.title,
		// The server sends escaped text; sync log names in it become links to the logs.
		message: (data.message || "").replace(
			/\bAMZ-LOG-\d+\b/g,
			(name) => `<a href="/app/amazon-sync-log/${name}">${name}</a>`,
		),
		indicator: data.indicator || "blue",
	});
};

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
		// Only this form's own handler is replaced: the Sync Log form may have one too.
		if (frm.amazon_job_handler) frappe.realtime.off(amazon_connector.JOB_EVENT, frm.amazon_job_handler);
		frm.amazon_job_handler = (data) => {
			if (data.account !== frm.doc.name) return;
			amazon_connector.show_job_end(data);
			frm.reload_doc();
		};
		frappe.realtime.on(amazon_connector.JOB_EVENT, frm.amazon_job_handler);
	},

	refresh(frm) {
		if (frm.is_new()) return;
		// Asked, not assumed after a start: a short job may already have ended by then.
		const show_if_running = () =>
			frappe.xcall("amazon_connector.api.sync_status", { account: frm.doc.name }).then((status) => {
				// Each headline adds a message, and a refresh and a start may both ask: keep one.
				frm.amazon_running_message?.remove();
				frm.amazon_running_message = null;
				if (!(status && status.running)) return;
				frm.dashboard.set_headline(
					__("A sync of this account is queued or running; another one will not start until it ends."),
					"blue",
				);
				frm.amazon_running_message = frm.layout.message.children().last();
			});
		const call = (method, label) =>
			frappe.call({
				method: `amazon_connector.api.${method}`,
				args: { account: frm.doc.name },
				freeze: true,
				freeze_message: __("Starting {0}…", [label]),
				callback: (r) => {
					if (!r.message) return;
					frappe.show_alert({ message: r.message, indicator: "blue" }, 7);
					if (method.startsWith("sync_")) show_if_running();
				},
			});
		// Jobs read the saved record, so unsaved edits are saved first.
		const run = (method, label) =>
			frm.is_dirty() ? frm.save().then(() => call(method, label)) : call(method, label);

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
			frappe.set_route("List", "Amazon Sync Log", { amazon_account: frm.doc.name }),
		);
		frm.add_custom_button(__("Sales Orders"), () =>
			frappe.set_route("List", "Sales Order", { amazon_account: frm.doc.name }),
		);
		show_if_running();
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
