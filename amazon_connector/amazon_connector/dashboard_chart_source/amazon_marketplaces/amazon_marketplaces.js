// Amazon orders or sales per marketplace: per day, or in total over the days (the Amazon Connector
// workspace's charts).
frappe.provide("frappe.dashboards.chart_sources");

frappe.dashboards.chart_sources["Amazon Marketplaces"] = {
	method: "amazon_connector.amazon_connector.dashboard_chart_source.amazon_marketplaces.amazon_marketplaces.get",
	filters: [
		{
			fieldname: "measure",
			label: __("Measure"),
			fieldtype: "Select",
			options: "Orders\nSales",
			default: "Orders",
		},
		{
			fieldname: "per",
			label: __("Per"),
			fieldtype: "Select",
			options: "Day\nTotal",
			default: "Day",
		},
		{
			fieldname: "days",
			label: __("Days"),
			fieldtype: "Int",
			default: 30,
		},
		{
			fieldname: "company",
			label: __("Company"),
			fieldtype: "Link",
			options: "Company",
		},
	],
};
