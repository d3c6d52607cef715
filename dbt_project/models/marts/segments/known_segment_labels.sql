-- Every staged known-segment row and what became of it, so no label disappears silently:
-- used (in the classifier's train or test split), unresolved, conflicting, repeated, or not_learnt
-- (its segment had too few labels, its source too few segments, or its customer no features).
-- Contract in _segments__models.yml.
with

labels as (
    select * from {{ ref('int_segments__known_segment_labels') }}
),

membership as (
    select source_system, customer_id, split
    from {{ ref('int_segments__supervised_membership') }}
),

learnt_sources as (
    select distinct source_system from membership
),

final as (
    select
        labels.source_system,
        labels.record_id,
        labels.customer_id,
        labels.known_segment,
        labels.resolved_by,
        case
            when labels.label_status <> 'usable' then labels.label_status
            when membership.split in ('train', 'test') then 'used'
            else 'not_learnt'
        end as label_status,
        case when membership.split in ('train', 'test') and labels.label_status = 'usable'
            then membership.split end as split,
        case
            when labels.label_status <> 'usable' then labels.status_reason
            when membership.split in ('train', 'test') then null
            when membership.split = 'excluded'
                then 'the segment has fewer labelled customers than min_labels_per_segment'
            when learnt_sources.source_system is null
                then 'source not learnt: fewer than two segments with enough labels (see supervised_segment_evaluation)'
            else 'the customer has no row in the feature matrix'
        end as status_reason
    from labels
    left join membership
        on membership.source_system = labels.source_system
        and membership.customer_id = labels.customer_id
    left join learnt_sources
        on learnt_sources.source_system = labels.source_system
)

select
    cast(source_system as varchar) as source_system,
    cast(record_id as varchar) as record_id,
    cast(customer_id as varchar) as customer_id,
    cast(known_segment as varchar) as known_segment,
    cast(resolved_by as varchar) as resolved_by,
    cast(label_status as varchar) as label_status,
    cast(split as varchar) as split,
    cast(status_reason as varchar) as status_reason
from final
