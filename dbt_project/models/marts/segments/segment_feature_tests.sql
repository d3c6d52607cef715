-- Per feature; contract in _segments__models.yml.
select
    cast(run_id as varchar) as run_id,
    cast(feature as varchar) as feature,
    cast(anova_f as double) as anova_f,
    cast(anova_p as double) as anova_p,
    cast(eta_squared as double) as eta_squared,
    cast(kruskal_h as double) as kruskal_h,
    cast(kruskal_p as double) as kruskal_p,
    cast(epsilon_squared as double) as epsilon_squared,
    cast(significant as boolean) as significant,
    cast(n_rows as integer) as n_rows
from {{ ref('int_segments__feature_tests') }}
