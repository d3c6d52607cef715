-- Precision and recall of "match_probability >= threshold" estimated from the reviewed pairs
-- (segmart review export / import), for thresholds 0.05..0.99. Labels are weighted by their
-- sampling weight so the estimates hold for all scored pairs, not just the sample; each pair's
-- probability is this build's (the exported one when the pair is no longer a candidate).
-- The recommended threshold is the lowest whose precision reaches var identity_target_precision
-- there and at every higher threshold. Mirrors python_models.identity.calibration.
{% set target = var('identity_target_precision', 0.95) %}
with

labels as (
    select * from {{ ref('int_identity__review_labels') }}
),

pairs as (
    select
        least(left_record, right_record) as left_record,
        greatest(left_record, right_record) as right_record,
        match_probability
    from {{ ref('int_identity__scored_pairs') }}
),

labelled as (
    select
        l.pair_id,
        coalesce(p.match_probability, l.match_probability) as match_probability,
        coalesce(l.sample_weight, 1.0) as sample_weight,
        cast(l.label as double) as label
    from labels as l
    left join pairs as p
        on p.left_record = l.left_record and p.right_record = l.right_record
),

thresholds as (
    select round(t / 100.0, 2) as threshold
    from range(5, 100) as r (t)
),

totals as (
    select sum(sample_weight * label) as positives, count(*) as n_labels
    from labelled
),

counts as (
    select
        t.threshold,
        count(l.pair_id) as n_labelled_above,
        coalesce(sum(l.sample_weight * l.label), 0) as true_positives,
        coalesce(sum(l.sample_weight * (1 - l.label)), 0) as false_positives
    from thresholds as t
    left join labelled as l on l.match_probability >= t.threshold
    group by t.threshold
),

curve as (
    select
        c.threshold,
        c.n_labelled_above,
        tot.n_labels,
        case when c.true_positives + c.false_positives > 0
            then c.true_positives / (c.true_positives + c.false_positives) end as estimated_precision,
        case when tot.positives > 0 then c.true_positives / tot.positives end as estimated_recall,
        case when tot.positives + c.false_positives > 0
            then 2 * c.true_positives / (c.true_positives + c.false_positives + tot.positives) end as estimated_f1
    from counts as c
    cross join totals as tot
),

-- precision reached here and at every higher threshold that still selects labelled pairs
suffix as (
    select
        *,
        bool_and(estimated_precision >= {{ target }}) filter (where n_labelled_above > 0) over (
            order by threshold desc rows between unbounded preceding and current row
        ) as precision_holds_above
    from curve
),

recommended as (
    select min(threshold) as threshold
    from suffix
    where n_labelled_above > 0 and precision_holds_above
),

final as (
    select
        cast(s.threshold as double) as threshold,
        cast(s.n_labels as bigint) as n_labels,
        cast(s.n_labelled_above as bigint) as n_labelled_above,
        cast(s.estimated_precision as double) as estimated_precision,
        cast(s.estimated_recall as double) as estimated_recall,
        cast(s.estimated_f1 as double) as estimated_f1,
        cast({{ target }} as double) as target_precision,
        coalesce(s.threshold = r.threshold, false) as is_recommended,
        cast({{ var('identity_match_threshold', 0.85) }} as double) as current_threshold
    from suffix as s
    cross join recommended as r
)

select * from final
order by threshold
