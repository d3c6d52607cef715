-- customer_features and its training twin have exactly one row per dim_customers person:
-- returns the people missing from either (or present without being a customer).
with

customers as (select customer_id from {{ ref('dim_customers') }}),

features as (select customer_id from {{ ref('customer_features') }}),

training as (select customer_id from {{ ref('int_features__customer_features_training') }})

(select customer_id, 'missing from customer_features' as problem from customers
 except select customer_id, 'missing from customer_features' from features)
union all
(select customer_id, 'missing from training features' from customers
 except select customer_id, 'missing from training features' from training)
union all
(select customer_id, 'not a customer' from features
 except select customer_id, 'not a customer' from customers)
