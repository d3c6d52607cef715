-- Social interactions that passed every row check, exact duplicates removed.
with

{{ deduplicated_ctes('base_social__interactions') }},

final as (
    select
        interaction_id,
        platform,
        handle,
        email,
        interaction_type,
        interacted_at_utc,
        post_id,
        extra_json,
        source_system,
        load_id,
        source_file,
        record_number
    from deduplicated
)

select * from final
