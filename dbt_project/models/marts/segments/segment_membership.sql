-- One row per segmented customer: segment, its readable name, and why the customer is there
-- (distance to its centroid, the runner-up segment and the margin between them).
select
    cast(membership.customer_id as varchar) as customer_id,
    cast(membership.segment_id as integer) as segment_id,
    cast(coalesce(profiles.name, 'Noise / unassigned') as varchar) as segment_name,
    cast(membership.distance_to_centroid as double) as distance_to_centroid,
    cast(membership.second_segment_id as integer) as second_segment_id,
    cast(membership.second_distance as double) as second_distance,
    cast(membership.margin as double) as margin,
    cast(membership.margin_ratio as double) as margin_ratio,
    cast(membership.algorithm as varchar) as algorithm,
    cast(membership.run_id as varchar) as run_id
from {{ ref('int_segments__membership') }} as membership
left join {{ ref('int_segments__profiles') }} as profiles
    on profiles.segment_id = membership.segment_id
