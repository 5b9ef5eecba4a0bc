// Sales Order: the Journal Entries of Amazon's fees for an imported order. They cannot reference the
// order in their rows (ERPNext allows that only for advances), so they carry its Amazon order id.
// For an order of another channel marked "Fulfil by Amazon": Amazon's fees and promised dates before
// it is sent, sending it, sending its changes and cancelling it at Amazon while Amazon still allows
// that (nothing picked yet), releasing an order sent on hold, and returning what Amazon shipped.
// Sent again (as a new fulfilment order) only when Amazon shipped nothing of the last attempt.
const MCF_RESENDABLE = ["Cancelled", "Unfulfillable", "Invalid"];
const MCF_CANCELLABLE = ["New", "Received", "Planning"];
const MCF_UPDATABLE = MCF_CANCELLABLE;
const MCF_RETURNABLE = ["Complete", "CompletePartialled"];

frappe.ui.form.on("Sales Order", {
	refresh(frm) {
		if (frm.is_new()) return;
		if (frm.doc.amazon_order_id) {
			frm.add_custom_button(
				__("Amazon Fee Entries"),
				() => frappe.set_route("List", "Journal Entry", { amazon_order_id: frm.doc.amazon_order_id }),
				__("View"),
			);
			return;
		}
		if (frm.doc.docstatus === 2 || !frm.doc.amazon_fulfil_by_amazon) return;
		const status = frm.doc.amazon_mcf_status;
		const sent = frm.doc.amazon_fulfillment_order_id && !MCF_RESENDABLE.includes(status);
		if (!sent) {
			frm.add_custom_button(__("Preview Amazon fulfilment"), () => preview_amazon_fulfilment(frm), __("Amazon"));
		}
		const held = sent && frm.doc.amazon_mcf_on_hold && MCF_UPDATABLE.includes(status);
		if (held) {
			frm.set_intro(
				__("On hold at Amazon: the units are reserved and nothing ships until you choose Amazon > Release to Amazon."),
				"orange",
			);
		}
		if (held && frm.doc.docstatus === 1) {
			frm.add_custom_button(__("Release to Amazon"), () => release_to_amazon(frm), __("Amazon"));
		}
		if (sent && MCF_UPDATABLE.includes(status) && frm.doc.docstatus === 1) {
			frm.add_custom_button(__("Update Amazon fulfilment"), () => update_amazon_fulfilment(frm), __("Amazon"));
		}
		if (sent && MCF_CANCELLABLE.includes(status)) {
			frm.add_custom_button(__("Cancel Amazon fulfilment"), () => cancel_amazon_fulfilment(frm), __("Amazon"));
		}
		if (sent && MCF_RETURNABLE.includes(status) && frm.doc.per_delivered > 0) {
			frm.add_custom_button(__("Return via Amazon"), () => return_via_amazon(frm), __("Amazon"));
			frm.add_custom_button(
				__("Amazon Returns"),
				() => frappe.set_route("List", "Delivery Note", { amazon_mcf_return_order: frm.doc.amazon_fulfillment_order_id }),
				__("View"),
			);
		}
	},
});

function update_amazon_fulfilment(frm) {
	frappe.confirm(
		__("Send the order's present shipping speed, address and quantities to Amazon for {0}?", [frm.doc.name]),
		() =>
			frappe.call({
				method: "amazon_connector.api.update_amazon_fulfilment",
				args: { sales_order: frm.doc.name },
				freeze: true,
				freeze_message: __("Sending the change to Amazon…"),
				callback: ({ message }) => report(frm, message),
			}),
	);
}

function release_to_amazon(frm) {
	frappe.confirm(
		__("Release {0} at Amazon, so that Amazon ships it (with the order's present speed, address and quantities)?", [frm.doc.name]),
		() =>
			frappe.call({
				method: "amazon_connector.api.release_to_amazon",
				args: { sales_order: frm.doc.name },
				freeze: true,
				freeze_message: __("Releasing the order at Amazon…"),
				callback: ({ message }) => report(frm, message),
			}),
	);
}

function return_via_amazon(frm) {
	frappe.call({
		method: "amazon_connector.api.amazon_return_options",
		args: { sales_order: frm.doc.name },
		freeze: true,
		freeze_message: __("Asking Amazon for its return reasons…"),
		callback: ({ message }) => show_return_dialog(frm, message),
	});
}

function show_return_dialog(frm, answer) {
	const fields = [];
	answer.rows.forEach((row, n) => {
		const reasons = answer.reasons[row.sku] || [];
		fields.push(
			{
				fieldtype: "Section Break",
				label: row.item_name && row.item_name !== row.item_code ? `${row.item_code}: ${row.item_name}` : row.item_code,
			},
			{
				fieldtype: "HTML",
				fieldname: `info_${n}`,
				options: `<p class="text-muted">${__("Shipment {0} ({1}); up to {2} unit(s)", [
					frappe.utils.escape_html(row.amazon_shipment_id),
					frappe.utils.escape_html(row.delivery_note),
					row.returnable,
				])}</p>`,
			},
			{ fieldtype: "Int", fieldname: `units_${n}`, label: __("Units to return"), default: 0 },
			{ fieldtype: "Column Break" },
			{
				fieldtype: "Select",
				fieldname: `reason_${n}`,
				label: __("Amazon's return reason"),
				options: [""].concat(reasons.map((r) => ({ value: r.code, label: `${r.description} (${r.code})` }))),
			},
			{ fieldtype: "Data", fieldname: `comment_${n}`, label: __("Comment") },
		);
	});
	const dialog = new frappe.ui.Dialog({
		title: __("Return via Amazon: {0}", [frm.doc.name]),
		size: "large",
		fields,
		primary_action_label: __("Ask Amazon"),
		primary_action(values) {
			const lines = answer.rows.map((row, n) => ({
				dn_detail: row.dn_detail,
				units: values[`units_${n}`] || 0,
				reason_code: values[`reason_${n}`] || "",
				comment: values[`comment_${n}`] || "",
			}));
			dialog.hide();
			frappe.call({
				method: "amazon_connector.api.return_via_amazon",
				args: { sales_order: frm.doc.name, lines: JSON.stringify(lines.filter((l) => l.units > 0)) },
				freeze: true,
				freeze_message: __("Asking Amazon…"),
				callback: ({ message }) => report(frm, message),
			});
		},
	});
	dialog.show();
}

function preview_amazon_fulfilment(frm) {
	frappe.call({
		method: "amazon_connector.api.preview_amazon_fulfilment",
		args: { sales_order: frm.doc.name },
		freeze: true,
		freeze_message: __("Asking Amazon…"),
		callback: ({ message }) => show_preview(frm, message),
	});
}

function show_preview(frm, answer) {
	const rows = answer.previews
		.map((p) => {
			const chosen = p.shipping_speed === answer.shipping_speed ? " <b>(" + __("chosen") + ")</b>" : "";
			const status = p.fulfillable
				? `<span class="indicator-pill green">${__("Fulfillable")}</span>`
				: `<span class="indicator-pill red">${__("Not fulfillable")}</span>`;
			return `<tr><td>${frappe.utils.escape_html(p.shipping_speed)}${chosen}</td><td>${status}</td>
				<td>${frappe.utils.escape_html(p.total_fees || "")}</td><td>${frappe.utils.escape_html(p.ship_by)}</td>
				<td>${frappe.utils.escape_html(p.arrives)}</td><td>${frappe.utils.escape_html(p.reasons)}</td></tr>`;
		})
		.join("");
	const chosen = answer.previews.find((p) => p.shipping_speed === answer.shipping_speed);
	const dialog = new frappe.ui.Dialog({
		title: __("Amazon fulfilment of {0}", [frm.doc.name]),
		size: "extra-large",
		fields: [
			{
				fieldtype: "HTML",
				fieldname: "preview",
				options: `<table class="table table-bordered"><thead><tr><th>${__("Speed")}</th><th>${__("Status")}</th>
					<th>${__("Amazon's fees")}</th><th>${__("Ships by")}</th><th>${__("Arrives")}</th><th>${__("Why not")}</th>
					</tr></thead><tbody>${rows}</tbody></table>
					<p class="text-muted">${__("Fees and dates are Amazon's estimates; the fees Amazon books arrive with its finances.")}</p>`,
			},
			{
				fieldtype: "Check",
				fieldname: "hold",
				label: __("Send on hold"),
				default: answer.hold ? 1 : 0,
				hidden: answer.can_send ? 0 : 1,
				description: __(
					"Amazon reserves the units and ships nothing until you release the order (Amazon > Release to Amazon); the order can still be changed meanwhile. Amazon cancels an order left on hold for 14 days.",
				),
			},
		],
	});
	if (answer.can_send && chosen && chosen.fulfillable) {
		dialog.set_primary_action(__("Send to Amazon"), () => {
			const hold = dialog.get_value("hold") ? 1 : 0;
			dialog.hide();
			send_to_amazon(frm, hold);
		});
	} else if (!answer.can_send) {
		dialog.set_message(__("Submit the Sales Order to send it to Amazon."));
	}
	dialog.show();
}

function send_to_amazon(frm, hold) {
	frappe.call({
		method: "amazon_connector.api.send_to_amazon",
		args: { sales_order: frm.doc.name, hold },
		freeze: true,
		freeze_message: __("Sending to Amazon…"),
		callback: ({ message }) => report(frm, message),
	});
}

function cancel_amazon_fulfilment(frm) {
	frappe.confirm(__("Ask Amazon to stop fulfilling {0}?", [frm.doc.name]), () =>
		frappe.call({
			method: "amazon_connector.api.cancel_amazon_fulfilment",
			args: { sales_order: frm.doc.name },
			freeze: true,
			callback: ({ message }) => report(frm, message),
		}),
	);
}

function report(frm, answer) {
	// Amazon's words are shown as text; the return label page it names is a link.
	const message = frappe.utils
		.escape_html(answer.message || "")
		.replace(/https?:\/\/[^\s()<>"]+/g, (url) => `<a href="${url}" target="_blank" rel="noopener noreferrer">${url}</a>`);
	frappe.msgprint({
		title: answer.ok ? __("Amazon: {0}", [answer.status]) : __("Amazon did not take it"),
		indicator: answer.ok ? "green" : "red",
		message,
	});
	frm.reload_doc();
}
