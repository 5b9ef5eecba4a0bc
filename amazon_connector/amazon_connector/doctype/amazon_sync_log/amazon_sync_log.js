// Amazon Sync Log: retry the failed records of a run. The retry job reports its progress and end to
// the Amazon Settings record's room, so this form listens there while a retry it started runs.

frappe.provide("amazon_connector");

amazon_connector.JOB_EVENT = "amazon_connector_job";

// Same as in amazon_settings.js (a doctype script cannot import another one); either form may be
// the one open when the job ends, and the first to show the end marks it shown.
amazon_connector.show_job_end =
	amazon_connector.show_job_end ||
	function (data) {
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

frappe.ui.form.on("Amazon Sync Log", {
	refresh(frm) {
		const open = (frm.doc.failures || []).filter((row) => !row.retried).length;
		if (open && !frm.doc.dry_run) {
			frm
				.add_custom_button(__("Retry {0} Failed Record(s)", [open]), () => retry(frm))
				.addClass("btn-primary");
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
	frappe.call({
		method: "amazon_connector.api.retry_failures",
		args: { log: frm.doc.name },
		freeze: true,
		freeze_message: __("Starting the retry…"),
		callback: (r) => {
			if (!r.message) return;
			frappe.show_alert({ message: r.message, indicator: "blue" }, 7);
			listen_to_account(frm, account);
		},
	});
}

function listen_to_account(frm, account) {
	// Progress and the end are published to the Amazon Settings record, not to this log.
	frappe.realtime.doc_subscribe("Amazon Settings", account);
	if (frm.amazon_job_handler) frappe.realtime.off(amazon_connector.JOB_EVENT, frm.amazon_job_handler);
	frm.amazon_job_handler = (data) => {
		if (data.account !== account) return;
		frappe.realtime.off(amazon_connector.JOB_EVENT, frm.amazon_job_handler);
		frm.amazon_job_handler = null;
		amazon_connector.show_job_end(data);
		// The retry marks this log's rows retried.
		if (frm.doc.amazon_account === account) frm.reload_doc();
	};
	frappe.realtime.on(amazon_connector.JOB_EVENT, frm.amazon_job_handler);
}
