// Amazon Accounts at a Glance: per account its last run and the failed records still open. Runs in
// the block's shadow root (root_element); the rows come from amazon_connector.dashboard.
const INDICATOR = { Success: "green", "Partial Success": "orange", Failed: "red", Interrupted: "red" };
const esc = (text) => frappe.utils.escape_html(text == null ? "" : String(text));
const headers = root_element.querySelectorAll("thead th");
[__("Account"), __("Last run"), __("Result"), __("Open failed records")].forEach((label, i) => {
	if (headers[i]) headers[i].textContent = label;
});
root_element.querySelector(".amazon-accounts-title").textContent = __("Accounts");

frappe.xcall("amazon_connector.dashboard.accounts_at_a_glance").then((rows) => {
	const body = root_element.querySelector("tbody");
	if (!rows.length) {
		body.innerHTML = `<tr><td colspan="4" class="amazon-accounts-empty">${esc(
			__("No Amazon account yet: add one in Amazon Settings.")
		)}</td></tr>`;
		return;
	}
	body.innerHTML = rows
		.map((row) => {
			const account = `<a href="${frappe.utils.get_form_link("Amazon Settings", row.account)}">${esc(
				row.account
			)}</a>${row.enabled ? "" : ` <span class="text-muted">(${esc(__("disabled"))})</span>`}`;
			const run = row.last_run;
			const when = run
				? `<a href="${frappe.utils.get_form_link("Amazon Sync Log", run.log)}" title="${esc(
						frappe.datetime.str_to_user(run.started)
				  )}">${esc(__(run.label))}, ${esc(
						frappe.datetime.prettyDate(run.started)
				  )}</a>`
				: `<span class="text-muted">${esc(__("Never run"))}</span>`;
			const result = run
				? `<span class="indicator-pill ${INDICATOR[run.status] || "blue"}">${esc(__(run.status))}</span>`
				: "";
			const failures = row.open_failures
				? `<a href="#" data-failures-of="${esc(row.account)}">${esc(row.open_failures)}</a>`
				: `<span class="text-muted">0</span>`;
			return `<tr><td>${account}</td><td>${when}</td><td>${result}</td><td>${failures}</td></tr>`;
		})
		.join("");
	// The list's address differs between versions (/app on v15, /desk on v16): let the router build it.
	body.querySelectorAll("[data-failures-of]").forEach((link) =>
		link.addEventListener("click", (event) => {
			event.preventDefault();
			frappe.set_route("List", "Amazon Sync Log", {
				amazon_account: link.dataset.failuresOf,
				open_failures: [">", 0],
			});
		})
	);
});
