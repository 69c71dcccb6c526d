import { Component, onWillStart, onWillUnmount, useEffect, useRef } from "@odoo/owl";
import { loadBundle } from "@web/core/assets";
import { deserializeDate, formatDate } from "@web/core/l10n/dates";
import { _t } from "@web/core/l10n/translation";

const COLORS = {
    value: "#017e84",
    target: "#d44c59",
    forecast: "#714b67",
};

/**
 * History of one KPI as a Chart.js line chart (Chart.js as Odoo ships it, loaded lazily like
 * the graph view does): the daily values, the target line and the forecast to the end of the
 * period (dashed).
 */
export class KpiHistoryChart extends Component {
    static template = "kpi_management.KpiHistoryChart";
    static props = { history: Object };

    setup() {
        this.canvasRef = useRef("canvas");
        this.chart = null;
        onWillStart(() => loadBundle("web.chartjs_lib"));
        useEffect(
            () => {
                this.renderChart();
            },
            () => [this.props.history]
        );
        onWillUnmount(() => this.chart?.destroy());
    }

    get chartConfig() {
        const { points, forecast } = this.props.history;
        const lastDate = points.length ? points[points.length - 1].date : null;
        const future = forecast.filter((f) => f.date !== lastDate);
        const dates = [...points.map((p) => p.date), ...future.map((f) => f.date)];
        const labels = dates.map((d) => formatDate(deserializeDate(d)));
        const lastTarget = points.length ? points[points.length - 1].target : null;
        const forecastByDate = Object.fromEntries(forecast.map((f) => [f.date, f.value]));
        const values = [...points.map((p) => p.value), ...future.map(() => null)];
        const targets = [...points.map((p) => p.target), ...future.map(() => lastTarget)];
        const predicted = dates.map((d) => (d in forecastByDate ? forecastByDate[d] : null));
        return {
            type: "line",
            data: {
                labels,
                datasets: [
                    {
                        label: _t("Value"),
                        data: values,
                        borderColor: COLORS.value,
                        backgroundColor: COLORS.value,
                        pointRadius: 2,
                        tension: 0.2,
                    },
                    {
                        label: _t("Target"),
                        data: targets,
                        borderColor: COLORS.target,
                        backgroundColor: COLORS.target,
                        borderDash: [6, 4],
                        pointRadius: 0,
                        stepped: true,
                    },
                    {
                        label: _t("Forecast"),
                        data: predicted,
                        borderColor: COLORS.forecast,
                        backgroundColor: COLORS.forecast,
                        borderDash: [2, 3],
                        pointRadius: 0,
                    },
                ],
            },
            options: {
                maintainAspectRatio: false,
                animation: false,
                spanGaps: false,
                interaction: { mode: "index", intersect: false },
                scales: { y: { beginAtZero: true } },
                plugins: { legend: { position: "bottom" } },
            },
        };
    }

    renderChart() {
        this.chart?.destroy();
        this.chart = new Chart(this.canvasRef.el, this.chartConfig);
    }
}
