-- A/B results per campaign x segment ('all' = the campaign as a whole), published.
select
    campaign_id,
    segment_name,
    exposures_test::bigint as exposures_test,
    conversions_test::bigint as conversions_test,
    exposures_control::bigint as exposures_control,
    conversions_control::bigint as conversions_control,
    rate_test::double as rate_test,
    rate_control::double as rate_control,
    absolute_lift::double as absolute_lift,
    absolute_lift_ci_low::double as absolute_lift_ci_low,
    absolute_lift_ci_high::double as absolute_lift_ci_high,
    relative_lift::double as relative_lift,
    relative_lift_ci_low::double as relative_lift_ci_low,
    relative_lift_ci_high::double as relative_lift_ci_high,
    z::double as z_score,
    p_value::double as p_value,
    is_significant::boolean as is_significant,
    power_at_observed::double as power_at_observed,
    required_per_arm::bigint as required_per_arm,
    is_sample_sufficient::boolean as is_sample_sufficient,
    nullif(note, '')::varchar as note
from {{ ref('int_experiments__ab_results') }}
