import { Component } from "@odoo/owl";
import { _t } from "@web/core/l10n/translation";
import { registry } from "@web/core/registry";
import { standardFieldProps } from "@web/views/fields/standard_field_props";
import { describeChange } from "../my_kpis/kpi_format";

/**
 * The change of a period score, in points, with an arrow: green up, red down (a score already
 * turns a lower-is-better KPI around). Read-only; worded as in the Periods tab of My KPIs.
 */
export class KpiScoreChangeField extends Component {
    static template = "kpi_management.KpiScoreChangeField";
    static props = { ...standardFieldProps };

    get change() {
        return describeChange(this.props.record.data[this.props.name]);
    }
}

export const kpiScoreChangeField = {
    component: KpiScoreChangeField,
    displayName: _t("KPI score change"),
    supportedTypes: ["float"],
};

registry.category("fields").add("kpi_score_change", kpiScoreChangeField);
