-- The reference tables an analyst can fill with CMS's own quarterly files (`rcm-audit reference import`,
-- pipelines/reference): empty here, so staging can always read them. pipelines.reference.store registers
-- the imported releases into these tables before staging; imported rows supersede the bundled seeds
-- (sql/seeds) for the dates their release covers (fee_schedule, mue_edits, ncci_edits).
create table if not exists ref_releases (
    kind varchar, release varchar, effective_from date, effective_to date, files varchar, sha256 varchar,
    imported_at timestamp
);
create table if not exists ref_rvu (
    cpt varchar, modifier varchar, status varchar, work_rvu double, nf_pe_rvu double, mp_rvu double,
    mppr_ind integer, conversion_factor double, qpp boolean, release varchar, effective_from date,
    effective_to date
);
create table if not exists ref_gpci (
    carrier varchar, locality varchar, locality_name varchar, work_gpci double, pe_gpci double,
    mp_gpci double, release varchar, effective_from date, effective_to date
);
create table if not exists ref_ptp (
    column1 varchar, column2 varchar, effective_from date, deletion_date date, modifier_indicator integer,
    release varchar
);
create table if not exists ref_mue (
    cpt varchar, mue_value integer, mai integer, mai_text varchar, release varchar, effective_from date,
    effective_to date
);
