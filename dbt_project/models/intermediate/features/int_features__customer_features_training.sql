-- The customer features as of (cutoff - propensity_horizon_days): what a model trained to
-- predict the next horizon may see, so training labels come from the horizon after this
-- cutoff and nothing the label depends on leaks into the features.
{{ customer_features_as_of(
    features_cutoff_sql() ~ ' - interval ' ~ (var('propensity_horizon_days', 30) | int) ~ ' day'
) }}
