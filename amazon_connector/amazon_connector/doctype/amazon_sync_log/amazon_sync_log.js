// Amazon Sync Log: retry the failed records of a run, following the retry job until it ends.

frappe.ui.form.on("Amazon Sync Log", {
	setup(frm) {
		// "Invoices", not the stored stage id "invoices" (the label comes from the server).
		frm.fields_dict.kind.df.formatter = (value) => frm.doc.__onload?.kind_label || value;
	},

	refresh(frm) {
		// A log is written by the runner only; nothing on it is for editing (even by Administrator).
		frm.disable_save();
		const open = (frm.doc.failures || []).filter((row) => !row.retried).length;
		if (open && !frm.doc.dry_run) {
			frm
				.add_custom_button(__("Retry {0} Failed Record(s)", [open]), () => retry(frm))
				.addClass("btn-primary");
		}
		const events = frm.doc.events && !["[]", "null"].includes(frm.doc.events.trim());
		if (events && !frm.doc.events_reviewed) {
			// Until this tick is set, Log Settings keeps the log: it is where these amounts are listed.
			frm.add_custom_button(__("Unbooked Amounts Dealt With"), () =>
				frappe.db
					.set_value(frm.doctype, frm.doc.name, "events_reviewed", 1)
					.then(() => frm.reload_doc()),
			);
		}
		if (frm.doc.amazon_account) {
			frm.add_custom_button(__("Amazon Settings"), () =>
				frappe.set_route("Form", "Amazon Settings", frm.doc.amazon_account),
			);
		}
	},
});

function retry(frm) {
	const account = frm.doc.amazon_account;
	// Follow the account's jobs first, and start the retry once subscribed: a short retry can end
	// within a second, before a subscription asked for afterwards would be in place.
	frappe
		.require("amazon_connector.bundle.js")
		.then(() =>
			amazon_connector.follow_job(frm, account, {
				once: true,
				// The retry marks this log's rows retried.
				after_end: () => {
					if (frm.doc.amazon_account === account) frm.reload_doc();
				},
			}),
		)
		.then(() =>
			frappe.call({
				method: "amazon_connector.api.retry_failures",
				args: { log: frm.doc.name },
				freeze: true,
				freeze_message: __("Starting the retry…"),
				callback: (r) => {
					if (!r.message) return amazon_connector.unfollow_job(frm);
					frappe.show_alert({ message: r.message, indicator: "blue" }, 7);
				},
			}),
		);
}
