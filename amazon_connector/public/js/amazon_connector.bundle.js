// Helpers of the Amazon Connector's forms, so that Amazon Settings and Amazon Sync Log share one way
// of following a background job. Not loaded on every desk page: each form loads it with
// frappe.require("amazon_connector.bundle.js") (a bundle name, resolved by the build's assets map).

frappe.provide("amazon_connector");

// The worker publishes a job's end under this event to the Amazon Settings record's room.
amazon_connector.JOB_EVENT = "amazon_connector_job";

// Closes the job's progress dialog and shows its summary. Both forms may be open when a job ends (one
// in the background); the first to show the end marks it shown, so the user sees it once.
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
			// The framework builds the form's address (/app/... on v15, /desk/... on v16).
			(name) => frappe.utils.get_form_link("Amazon Sync Log", name, true),
		),
		indicator: data.indicator || "blue",
	});
};

// Makes a form follow the jobs of one Amazon account: when one ends, its summary is shown and
// after_end(data) runs (a form reloads what the job changed). once: stop following after that end,
// for a form that follows only the job it started. Progress and the end are published to the
// account's Amazon Settings record, so a form of another record subscribes to it. Following again
// replaces only this form's handler: the other form may have its own.
amazon_connector.follow_job = function (frm, account, { once = false, after_end = null } = {}) {
	const subscribed = amazon_connector.subscribe("Amazon Settings", account);
	amazon_connector.unfollow_job(frm);
	frm.amazon_job_handler = (data) => {
		if (data.account !== account) return;
		if (once) amazon_connector.unfollow_job(frm);
		amazon_connector.show_job_end(data);
		if (after_end) after_end(data);
	};
	frappe.realtime.on(amazon_connector.JOB_EVENT, frm.amazon_job_handler);
	return subscribed;
};

// Subscribes to a document's realtime room, and makes sure it took: Frappe drops a subscription
// asked for within a second of the previous one (opening a form subscribes to it), which left a
// retry started right after opening its sync log without its summary. Resolves once subscribed, so a
// caller can start its job only then.
amazon_connector.subscribe = function (doctype, name) {
	const key = `${doctype}:${name}`;
	return new Promise((resolve) => {
		let tries = 0;
		const attempt = () => {
			frappe.realtime.doc_subscribe(doctype, name);
			const open = frappe.realtime.open_docs;
			if (!open || open.has(key) || ++tries >= 10) return resolve();
			setTimeout(attempt, 1100);
		};
		attempt();
	});
};

amazon_connector.unfollow_job = function (frm) {
	if (!frm.amazon_job_handler) return;
	frappe.realtime.off(amazon_connector.JOB_EVENT, frm.amazon_job_handler);
	frm.amazon_job_handler = null;
};
