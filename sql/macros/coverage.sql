{#- Whether a figure over the `days` days ending `date` reads only days the extracted history
    covers (int_workspace_coverage: on or after `coverage_start`; a null start covers every day). A
    figure over a period (a month, a week) passes its first day and days=1: covered when the
    whole period is. -#}
{% macro covered(date, coverage_start, days=1) -%}
({{ coverage_start }} is null or {{ coverage_start }} <= {{ date if days == 1 else add_days(date, 1 - days) }})
{%- endmacro %}

{#- `expression` where covered (see covered), else null: an activity figure is not known there. -#}
{% macro if_covered(expression, date, coverage_start, days=1) -%}
case when {{ covered(date, coverage_start, days) }} then {{ expression }} end
{%- endmacro %}
