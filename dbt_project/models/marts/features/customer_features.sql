-- One row per customer (dim_customers) with the features as of the cutoff:
-- var('features_cutoff') or midnight after the latest activity day. See customer_features_as_of.
{{ customer_features_as_of(features_cutoff_sql()) }}
