// Amazon Settings: buttons that start background jobs, with progress while they run and a
// summary when they end. The server refuses a second job for the same account.

frappe.ui.form.on("Amazon Settings", {
	setup(frm) {
		for (const fieldname of ["warehouse", "fba_warehouse"]) {
			frm.set_query(fieldname, () => ({ filters: { company: frm.doc.company, is_group: 0 } }));
		}
		// ERPNext takes only leaves of these trees on customers and items (the server refuses groups too).
		for (const fieldname of ["customer_group", "territory", "item_group"]) {
			frm.set_query(fieldname, () => ({ filters: { is_group: 0 } }));
		}
		// Amazon's fees are expenses: only expense groups are offered (the server refuses others too).
		frm.set_query("account_group", () => ({
			filters: { company: frm.doc.company, is_group: 1, root_type: "Expense" },
		}));
		frm.set_query("clearing_account", () => ({ filters: { company: frm.doc.company, is_group: 0 } }));
		frm.set_query("price_list", () => ({ filters: { selling: 1 } }));
		frm.set_query("price_list", "marketplaces", (doc, cdt, cdn) => {
			const row = locals[cdt][cdn];
			return { filters: { selling: 1, ...(row.currency ? { currency: row.currency } : {}) } };
		});
	},

	refresh(frm) {
		// These are Amazon's credentials, not passwords a person chose: a strength meter ("Excellent")
		// says nothing about them, and checking it would post the secret on every key press.
		for (const fieldname of ["lwa_client_secret", "refresh_token"]) {
			frm.get_field(fieldname)?.disable_password_checks?.();
		}
		if (frm.is_new()) return;
		// Whichever job of this account ends (started here, by the scheduler or from a sync log), its
		// summary shows here and the form shows what it changed. The helpers are loaded here, on the
		// forms that use them, not on every desk page.
		frappe.require("amazon_connector.bundle.js", () =>
			amazon_connector.follow_job(frm, frm.doc.name, { after_end: () => frm.reload_doc() }),
		);
		// Asked, not assumed after a start: a short job may already have ended by then.
		const show_if_running = () =>
			frappe.xcall("amazon_connector.api.sync_status", { account: frm.doc.name }).then((status) => {
				// Each headline adds a message, and a refresh and a start may both ask: keep one.
				frm.amazon_running_message?.remove();
				frm.amazon_running_message = null;
				if (!(status && status.running)) return;
				if (status.worker === false) {
					frm.dashboard.set_headline(
						__(
							"A sync of this account is queued, but no background worker is running, so it waits. Start one with {0} (or the bench's Procfile or supervisor set-up).",
							["<code>bench worker --queue long</code>"],
						),
						"orange",
					);
				} else {
					frm.dashboard.set_headline(
						__("A sync of this account is queued or running; another one will not start until it ends."),
						"blue",
					);
				}
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
		// Test Connection tries the saved credentials. Saving unsaved ones makes them this account's
		// for every sync too, so the user is asked first rather than surprised.
		const test_connection = () => {
			if (!frm.is_dirty()) return call("test_connection", __("Test Connection"));
			frappe.confirm(
				__(
					"Test Connection tries the saved credentials. Save your changes first? They then become this account's credentials for every sync, also if the test fails."
				),
				() => run("test_connection", __("Test Connection")),
			);
		};

		if (frm.doc.failing_since) {
			// The scheduler backs off from an account whose runs keep failing; say why and until when.
			// Wrapped in a tag so that the escaped error is read as HTML, not shown with its escapes.
			frm.dashboard.set_headline(
				`<div>${__("Syncs of this account have failed since {0} ({1} runs in a row); the scheduler tries again at {2}. Last error: {3}", [
					frappe.datetime.str_to_user(frm.doc.failing_since),
					frm.doc.failed_runs || 1,
					frappe.datetime.str_to_user(frm.doc.next_attempt),
					frappe.utils.escape_html(frm.doc.last_error || ""),
				])}</div>`,
				"red",
			);
		}
		frm.add_custom_button(__("Test Connection"), test_connection);
		if (frm.doc.enabled) {
			const group = __("Sync");
			frm.add_custom_button(__("Products"), () => run("sync_products", __("Sync Products")), group);
			frm.add_custom_button(__("Orders"), () => run("sync_orders", __("Sync Orders")), group);
			if (frm.doc.sync_fees) {
				frm.add_custom_button(__("Fees"), () => run("sync_fees", __("Sync Fees")), group);
			}
			if (frm.doc.push_stock) {
				frm.add_custom_button(__("Stock to Amazon"), () => run("push_stock", __("Stock to Amazon")), group);
			}
			if (frm.doc.push_prices) {
				frm.add_custom_button(__("Prices to Amazon"), () => run("push_prices", __("Prices to Amazon")), group);
			}
			frm.add_custom_button(__("Listings Health"), () => run("check_listings", __("Listings Health")), group);
			if (frm.doc.fba_warehouse) {
				frm.add_custom_button(
					__("FBA Inventory"),
					() => run("sync_fba_inventory", __("Sync FBA Inventory")),
					group
				);
			}
		}
		if (frm.doc.sqs_queue_arn) {
			// A few quick calls (find or create the destination, then the subscription), answered here.
			const set_up = () =>
				frappe.call({
					method: "amazon_connector.api.set_up_notifications",
					args: { account: frm.doc.name },
					freeze: true,
					freeze_message: __("Setting up Amazon notifications…"),
					callback: (r) => {
						if (r.message) frappe.msgprint({ title: __("Notifications"), message: r.message });
						frm.reload_doc();
					},
				});
			frm.add_custom_button(__("Set up Notifications"), () =>
				frm.is_dirty() ? frm.save().then(set_up) : set_up(),
			);
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
