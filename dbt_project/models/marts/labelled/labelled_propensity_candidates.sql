-- Contract in _labelled__models.yml; built by int_labelled__propensity_candidates.
select
    cast(run_id as varchar) as run_id,
    cast(source_system as varchar) as source_system,
    cast(model_version as varchar) as model_version,
    cast(candidate as varchar) as candidate,
    cast(family as varchar) as family,
    cast(complexity as integer) as complexity,
    cast(search as varchar) as search,
    cast(n_search_rows as integer) as n_search_rows,
    cast(n_features as integer) as n_features,
    cast(cv_auc as double) as cv_auc,
    cast(validation_auc as double) as validation_auc,
    cast(validation_pr_auc as double) as validation_pr_auc,
    cast(best_params as varchar) as best_params,
    cast(search_seconds as double) as search_seconds,
    cast(chosen as boolean) as chosen
from {{ ref('int_labelled__propensity_candidates') }}
