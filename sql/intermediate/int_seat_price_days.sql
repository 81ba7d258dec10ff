{{ config(materialized='table') }}
-- One row per day the marts cover (int_date_spine) and workspace with a seat price that day, from
-- etl_meta.seat_prices (`bbetl workspace price`, keyed by workspace slug): the workspace's own
-- price set to apply from that day or earlier, the latest such; without one, the default ('*')
-- likewise; without either, the configured default (SEAT_PRICE, passed as the run variable
-- seat_price, `<amount> <CURRENCY>`). A day and workspace with none has no row: a price is never
-- invented.
{%- set configured = var('seat_price', none) %}
with prices as (
  select
    workspace,
    effective_from,
    {{ as_float('amount') }} as seat_price,
    currency,
    case when workspace = '*' then 1 else 0 end as precedence
  from {{ source('etl_meta', 'seat_prices') }}
  {%- if configured %}
  {%- set setting = (configured | string).split(' ') %}
  union all
  -- (checked by the engine as `bbetl workspace price` checks a price; a quote could not end the text)
  select
    '*' as workspace,
    cast(null as date) as effective_from,
    {{ as_float(setting[0] | float) }} as seat_price,
    '{{ setting[1] | upper | replace("'", "") }}' as currency,
    2 as precedence
  {%- endif %}
),

dates as (
  select date_day from {{ ref('int_date_spine') }}
),

-- each workspace's slug as last listed (the prices name workspaces by slug)
slugs_ranked as (
  select
    uuid as workspace_uuid,
    slug as workspace_slug,
    row_number() over (partition by uuid order by _extracted_at desc, slug) as slug_rank
  from {{ ref('stg_workspaces') }}
  where uuid is not null and slug is not null
),

workspaces as (
  select workspace_uuid, workspace_slug
  from slugs_ranked
  where slug_rank = 1
),

candidates as (
  select
    dates.date_day,
    workspaces.workspace_uuid,
    prices.effective_from,
    prices.seat_price,
    prices.currency,
    prices.precedence,
    row_number() over (
      partition by dates.date_day, workspaces.workspace_uuid
      order by prices.precedence, prices.effective_from desc
    ) as price_rank
  from dates
  cross join workspaces
  join prices
    on (prices.workspace = workspaces.workspace_slug or prices.workspace = '*')
    and (prices.effective_from is null or prices.effective_from <= dates.date_day)
)

select
  date_day,
  workspace_uuid,
  seat_price,
  currency,
  effective_from as price_effective_from,
  case precedence when 0 then 'workspace' when 1 then 'default' else 'config' end as price_scope
from candidates
where price_rank = 1
