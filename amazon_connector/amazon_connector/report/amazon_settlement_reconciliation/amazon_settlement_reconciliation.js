frappe.query_reports["Amazon Settlement Reconciliation"] = {
	filters: [
		{
			fieldname: "settlement",
			label: __("Amazon Settlement"),
			fieldtype: "Link",
			options: "Amazon Settlement",
			reqd: 1,
		},
	],
	formatter(value, row, column, data, default_formatter) {
		const text = default_formatter(value, row, column, data);
		if (!data || !data.settlement) return text;
		if (column.fieldname === "line") {
			// The settlement's Journal Entries, one click away.
			return `<a href="#" onclick="frappe.set_route('List', 'Journal Entry', {amazon_settlement_id: '${data.settlement}'}); return false;">${text}</a>`;
		}
		if (column.fieldname === "orders" && data.orders) {
			const ids = data.orders.split(", ");
			return ids
				.slice(0, 20)
				.map(
					(id) =>
						`<a href="#" onclick="frappe.set_route('List', 'Sales Order', {amazon_order_id: '${id}'}); return false;">${frappe.utils.escape_html(id)}</a>`
				)
				.join(", ") + (ids.length > 20 ? " …" : "");
		}
		return text;
	},
};
