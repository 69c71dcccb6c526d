import { Component, onWillStart, useState } from "@odoo/owl";
import { _t } from "@web/core/l10n/translation";
import { registry } from "@web/core/registry";
import { user } from "@web/core/user";
import { useService } from "@web/core/utils/hooks";
import { formatKpiNumber, statusColor } from "../my_kpis/kpi_format";

/**
 * The user's overall KPI score in the top bar; opens "My KPIs". It stays hidden for users who
 * have no KPI result (and for users outside the KPI groups): the summary is loaded without
 * delaying the web client.
 */
export class KpiSystray extends Component {
    static template = "kpi_management.KpiSystray";
    static props = {};

    setup() {
        this.orm = useService("orm");
        this.actionService = useService("action");
        this.menuService = useService("menu");
        this.state = useState({ summary: null });
        onWillStart(() => {
            this.load();
        });
    }

    async load() {
        if (!(await user.hasGroup("kpi_management.group_kpi_user"))) {
            return;
        }
        this.state.summary = await this.orm.silent.call("kpi.result", "get_my_kpis_summary", []);
    }

    get score() {
        return formatKpiNumber(this.state.summary.score);
    }

    get title() {
        const title = _t("My KPIs: overall score of today's KPIs");
        const { off_track, counted } = this.state.summary || {};
        if (!off_track) {
            return title;
        }
        return _t("%(title)s (%(count)s of %(total)s off track)", {
            title,
            count: off_track,
            total: counted,
        });
    }

    get color() {
        return statusColor(this.state.summary.status);
    }

    onClick() {
        const menu = this.menuService
            .getAll()
            .find((m) => m.xmlid === "kpi_management.kpi_result_menu_my_kpis");
        if (menu) {
            this.menuService.selectMenu(menu);
        } else {
            this.actionService.doAction("kpi_management.kpi_result_action_my_kpis", {
                clearBreadcrumbs: true,
            });
        }
    }
}

registry.category("systray").add("kpi_management.KpiSystray", { Component: KpiSystray }, {
    sequence: 30,
});
