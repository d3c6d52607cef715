-- The contact records identity resolution reads: the latest version of each
-- (source_system, source_record_id). A later load may carry an updated copy of a record
-- (stg_crm__contacts keeps both), and a record must get exactly one customer_id.
with

contacts as (
    select * from {{ ref('stg_crm__contacts') }}
),

latest as (
    select *
    from contacts
    qualify row_number() over (
        partition by source_system, source_record_id
        order by updated_at_utc desc nulls last, load_id desc, source_file desc, record_number desc
    ) = 1
)

select * from latest
