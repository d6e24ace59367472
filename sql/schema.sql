-- Raw tables: one row per thing read from an input file.
-- Every table loaded from a file carries source_file (path relative to the input folder) and the
-- position of the row in that file (segment_pos for X12: 1-based segment index in the file;
-- row_number for exports: 1-based spreadsheet row, header = 1) so any figure can be traced back.
-- Money is DECIMAL(12,2) dollars; units are DOUBLE (837P allows decimals).
-- Names, birth dates and member ids are PHI: they live only here and in staging; outputs use patient_ref.

create table if not exists source_files (
    file_id      varchar primary key,     -- sha256 of the file's bytes: the same file is loaded once
    source_file  varchar not null,
    kind         varchar not null,        -- 837P | 835 | visits | plans_of_care | authorizations
    loaded_at    timestamp default current_timestamp
);

create table if not exists ingest_log (
    source_file     varchar not null,
    kind            varchar,              -- 837P | 835 | visits | plans_of_care | authorizations | unknown
    status          varchar not null,     -- loaded | partial | rejected | duplicate | skipped
    claims_loaded   integer default 0,    -- 837P CLM or 835 CLP
    lines_loaded    integer default 0,    -- 837P SV1 or 835 SVC, or export rows
    claims_rejected integer default 0,
    lines_rejected  integer default 0,
    message         varchar,
    lines_skipped   integer default 0,    -- export rows that are not data (totals, page headers, notes, void rows):
                                          -- rows read = lines_loaded + lines_rejected + lines_skipped
    file_id         varchar
);

-- One row per problem found while reading (a rejected row, a broken transaction, a count mismatch).
create table if not exists ingest_issues (
    source_file  varchar not null,
    place        varchar,                 -- 'segment 123 (CLP)', 'row 17', 'ST 0001'
    severity     varchar,                 -- error (data not loaded) | warning (loaded anyway)
    reason       varchar not null
);

-- 837P ---------------------------------------------------------------------------------------------
create table if not exists claims (
    claim_id              varchar,        -- CLM01, the practice's claim number (= 835 CLP01)
    total_charge          decimal(12,2),  -- CLM02
    place_of_service      varchar,        -- CLM05-1
    frequency_code        varchar,        -- CLM05-3 (1 original, 7 replacement, 8 void)
    prior_auth            varchar,        -- 2300 REF*G1
    payer_claim_ref       varchar,        -- 2300 REF*F8 (payer claim control number of the original)
    billing_npi           varchar,        -- 2010AA NM1*85 NM109
    billing_name          varchar,
    billing_zip           varchar,        -- 2010AA N4*03
    subscriber_member_id  varchar,        -- 2010BA NM1*IL NM109
    subscriber_last       varchar,
    subscriber_first      varchar,
    subscriber_dob        date,           -- 2010BA DMG*D8
    subscriber_gender     varchar,
    patient_last          varchar,        -- 2010CA NM1*QC when a 2000C loop exists, else the subscriber
    patient_first         varchar,
    patient_dob           date,
    patient_is_subscriber boolean,
    payer_name            varchar,        -- 2010BB NM1*PR NM103
    payer_id              varchar,        -- 2010BB NM1*PR NM109
    claim_filing_code     varchar,        -- SBR09 (MB Medicare B, MC Medicaid, CI commercial, 16 HMO MA ...)
    rendering_npi         varchar,        -- 2310B NM1*82
    referring_npi         varchar,        -- 2310A NM1*DN (certifying physician for therapy) or P3
    diagnosis_codes       varchar,        -- HI codes, ';'-separated, principal first
    submission_date       date,           -- BHT04
    interchange_control   varchar,        -- ISA13
    st_control            varchar,        -- ST02
    source_file           varchar,
    segment_pos           bigint          -- position of the CLM segment
);

create table if not exists claim_lines (
    claim_id             varchar,
    line_number          integer,         -- LX01
    proc_qualifier       varchar,         -- SV101-1 (HC)
    cpt                  varchar,         -- SV101-2
    modifiers            varchar,         -- SV101-3..6 as billed, ';'-separated ('' when none)
    modifier_1 varchar, modifier_2 varchar, modifier_3 varchar, modifier_4 varchar,
    charge               decimal(12,2),   -- SV102
    unit_basis           varchar,         -- SV103 (UN units, MJ minutes)
    units                double,          -- SV104
    place_of_service     varchar,         -- SV105
    dos                  date,            -- DTP*472 (from date of a range)
    dos_end              date,
    line_control_number  varchar,         -- 2400 REF*6R
    line_prior_auth      varchar,         -- 2400 REF*G1
    rendering_npi        varchar,         -- 2420A NM1*82
    source_file          varchar,
    segment_pos          bigint,          -- position of the SV1 segment
    claim_pos            bigint           -- position of the claim's CLM segment
);

-- 835 ----------------------------------------------------------------------------------------------
create table if not exists remit_payments (
    amount          decimal(12,2),        -- BPR02
    credit_debit    varchar,              -- BPR03
    method          varchar,              -- BPR04 (ACH, CHK, NON, ...)
    payment_date    date,                 -- BPR16
    trace_number    varchar,              -- TRN02
    payer_name      varchar,              -- N1*PR N102
    payer_id        varchar,              -- N1*PR N104, else REF*2U, else TRN03
    payee_name      varchar,              -- N1*PE N102
    payee_id        varchar,              -- N1*PE N104 (NPI)
    source_file     varchar,
    segment_pos     bigint                -- position of the ST segment
);

create table if not exists remit_claims (
    claim_id               varchar,       -- CLP01
    status_code            varchar,       -- CLP02 (1,2,3 processed; 4 denied; 19-23; 22 reversal)
    charge                 decimal(12,2), -- CLP03
    paid                   decimal(12,2), -- CLP04
    patient_responsibility decimal(12,2), -- CLP05
    filing_indicator       varchar,       -- CLP06
    payer_claim_id         varchar,       -- CLP07
    facility_type          varchar,       -- CLP08
    frequency_code         varchar,       -- CLP09
    drg_code               varchar,       -- CLP11
    drg_weight             double,        -- CLP12
    discharge_fraction     double,        -- CLP13
    patient_last           varchar,       -- NM1*QC
    patient_first          varchar,
    patient_member_id      varchar,       -- NM1*QC NM109
    subscriber_member_id   varchar,       -- NM1*IL NM109
    rendering_npi          varchar,       -- NM1*82
    statement_from         date,          -- DTM*232
    statement_to           date,          -- DTM*233
    received_date          date,          -- DTM*050
    payment_date           date,          -- BPR16 of the transaction
    trace_number           varchar,       -- TRN02 of the transaction
    payer_name             varchar,
    payer_id               varchar,
    source_file            varchar,
    segment_pos            bigint         -- position of the CLP segment
);

create table if not exists remit_lines (
    claim_id             varchar,         -- CLP01 of the enclosing claim payment
    claim_pos            bigint,          -- segment_pos of the enclosing CLP
    proc_qualifier       varchar,
    cpt                  varchar,         -- SVC01-2
    modifiers            varchar,         -- SVC01-3..6, ';'-separated
    modifier_1 varchar, modifier_2 varchar, modifier_3 varchar, modifier_4 varchar,
    charge               decimal(12,2),   -- SVC02
    paid                 decimal(12,2),   -- SVC03
    revenue_code         varchar,         -- SVC04
    units_paid           double,          -- SVC05 (absent = 1)
    original_cpt         varchar,         -- SVC06-2 when the payer changed the code
    original_modifiers   varchar,
    original_units       double,          -- SVC07
    dos                  date,            -- DTM*472, else DTM*150
    dos_end              date,            -- DTM*151
    line_control_number  varchar,         -- REF*6R
    allowed              decimal(12,2),   -- AMT*B6
    remark_codes         varchar,         -- LQ*HE, ';'-separated
    source_file          varchar,
    segment_pos          bigint           -- position of the SVC segment
);

create table if not exists remit_adjustments (
    claim_id     varchar,
    claim_pos    bigint,
    line_pos     bigint,                  -- segment_pos of the SVC for line level, null at claim level
    level        varchar,                 -- claim | line
    group_code   varchar,                 -- CO PR OA PI CR
    reason_code  varchar,                 -- CARC
    amount       decimal(12,2),
    quantity     double,
    triple_index integer,                 -- 1..6 within the CAS segment
    source_file  varchar,
    segment_pos  bigint                   -- position of the CAS segment
);

create table if not exists provider_adjustments (
    provider_id     varchar,              -- PLB01
    fiscal_date     date,                 -- PLB02
    reason_code     varchar,              -- PLB03-1 (WO, L6, FB, ...)
    reference       varchar,              -- PLB03-2
    amount          decimal(12,2),
    pair_index      integer,              -- 1..6 within the PLB segment
    payer_name      varchar,
    source_file     varchar,
    segment_pos     bigint
);

-- Exports ------------------------------------------------------------------------------------------
create table if not exists visits (
    patient_id varchar, dos date, cpt varchar, units double, minutes double,
    modifiers varchar,                    -- ';'-separated
    payer varchar, member_id varchar, patient_first varchar, patient_last varchar, patient_dob date,
    provider_npi varchar, provider_role varchar,   -- OT | OTA
    ota_minutes double, claim_id varchar,
    note_type varchar,                    -- eval | daily | progress | recert | discharge
    place_of_service varchar, charge decimal(12,2),
    source_file varchar, row_number integer,
    start_time time, end_time time,       -- session start/stop when the export has them
    source_sheet varchar                  -- XLSX sheet the row came from (null for CSV)
);

create table if not exists plans_of_care (
    patient_id varchar, start_date date, end_date date, signed_date date,
    kind varchar,                         -- initial | recert
    certifying_npi varchar, payer varchar,
    source_file varchar, row_number integer,
    order_date date,                      -- signed order/referral/prescription date (RULEBOOK 2025 exception)
    transmitted_date date,                -- date the POC was sent to the certifying practitioner
    source_sheet varchar                  -- XLSX sheet the row came from (null for CSV)
);

create table if not exists authorizations (
    patient_id varchar, auth_number varchar, start_date date, end_date date,
    payer varchar, visits_authorized integer,
    source_file varchar, row_number integer,
    source_sheet varchar                  -- XLSX sheet the row came from (null for CSV)
);
