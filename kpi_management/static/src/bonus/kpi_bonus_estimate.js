import { Component, onWillStart, useState } from "@odoo/owl";
import { formatCurrency } from "@web/core/currency";
import { deserializeDate, formatDate } from "@web/core/l10n/dates";
import { _t } from "@web/core/l10n/translation";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";
import { formatKpiNumber } from "../my_kpis/kpi_format";

/**
 * One bonus estimate (``kpi.bonus.scheme.get_bonus_estimate()``, one scheme): the bonus on
 * track today and forecast at the end of the period, per KPI. Shown in "My KPIs" and in
 * "My Bonus Estimate".
 */
export class KpiBonusEstimate extends Component {
    static template = "kpi_management.KpiBonusEstimate";
    static props = { bonus: Object };

    /** An amount in the estimate's currency, as Odoo formats monetary fields. */
    formatAmount(value, currency) {
        return formatCurrency(value || 0, currency && currency.id);
    }

    formatNumber(value) {
        return formatKpiNumber(value);
    }

    /** "Total score 77%, payout 54%" of an estimate (today's or the forecast). */
    scoreAndPayout(figures) {
        return _t("Total score %(score)s%, payout %(payout)s%", {
            score: formatKpiNumber(figures.total_score),
            payout: formatKpiNumber(figures.payout_percent),
        });
    }

    /** Why the weight used differs from the scheme's weight. */
    weightTitle(line) {
        return _t("%(weight)s% in the scheme; a KPI with nothing to measure shares its weight with the others", {
            weight: formatKpiNumber(line.weight),
        });
    }

    forecastTitle(bonus) {
        return _t("Forecast at the end of the period (%(date)s)", {
            date: bonus.period_end ? formatDate(deserializeDate(bonus.period_end)) : "",
        });
    }
}

/**
 * "My Bonus Estimate": the estimates of the current user, computed on each visit and never
 * stored (an estimate is not a record: nothing to clean up, nothing that looks approved).
 */
export class MyBonus extends Component {
    static template = "kpi_management.MyBonus";
    static components = { KpiBonusEstimate };
    static props = ["*"];

    setup() {
        this.orm = useService("orm");
        this.state = useState({ loaded: false, bonus: [] });
        onWillStart(async () => {
            this.state.bonus = await this.orm.call("kpi.bonus.scheme", "get_bonus_estimate", []);
            this.state.loaded = true;
        });
    }
}

registry.category("actions").add("kpi_management.my_bonus", MyBonus);
