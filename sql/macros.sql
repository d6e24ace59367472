-- Shared scalar functions (DuckDB macros) of staging and the rules. Created once per audit, before the
-- staging models (sql/staging, sql/intermediate); a macro reads tables only when it is called.

-- Payer names match the directory's patterns by whole words, case and punctuation ignored
-- ('medicare part b'; 'a&b' = the name has both; '=x' = the whole name is x). Used by stg_payers.
create or replace macro payer_words(x) as ' ' || trim(regexp_replace(lower(coalesce(x, '')), '[^a-z0-9]+', ' ', 'g')) || ' ';
create or replace macro payer_name_matches(name, pattern) as
    case when starts_with(pattern, '=') then payer_words(name) = payer_words(substr(pattern, 2))
         else list_bool_and(list_transform(string_split(pattern, '&'),
                                           lambda w: contains(payer_words(name), payer_words(w)))) end;

-- Identities: an id normalised for comparison; a patient keyed by member id, else name + birth date;
-- patient_ref = the per-audit pseudonym (salted hash of the key) that every output carries.
create or replace macro norm_id(x) as nullif(upper(regexp_replace(coalesce(x, ''), '[^A-Za-z0-9]', '', 'g')), '');
create or replace macro name_key(last, first, dob) as
    case when last is not null and dob is not null
         then 'N:' || upper(trim(last)) || '|' || upper(trim(coalesce(first, ''))) || '|' || strftime(dob, '%Y-%m-%d') end;
-- A patient is keyed by member id when there is one, else by name and birth date (documented
-- limitation: dependents who share a subscriber's id without a suffix are one patient).
create or replace macro patient_key_of(member_id, last, first, dob) as
    coalesce('M:' || norm_id(member_id), name_key(last, first, dob));
create or replace macro patient_ref_of(k) as
    case when k is null then null
         else 'PT-' || upper(substr(md5((select salt from audit_params) || k), 1, 12)) end;

-- Filing deadline: a limit of 365 days (Medicare: "1 calendar year after the DOS", RULEBOOK §9) is one
-- calendar year, so leap years count right; other limits are days.
create or replace macro filing_deadline_of(d, days) as
    case when days % 365 = 0 then (d + to_years((days // 365)::integer))::date else d + days::integer end;

-- A denying adjustment (CONTRACT §6, DESIGN §10): group other than PR, a reason that is not of class
-- EXPECTED in seed_carc_classes (45, 59, 253, MIPS 237, ...), a positive amount; OA-23 (impact of the
-- prior payer's adjudication) on a secondary / tertiary CLP (status 2, 3) is the prior payment, not a denial.
create or replace macro is_denying_adjustment(adj_group, adj_reason, adj_amount, adj_clp_status) as
    coalesce(adj_group, '') <> 'PR' and coalesce(adj_amount, 0) > 0
    and coalesce(adj_reason, '') not in (select k.reason_code from seed_carc_classes k where k.class = 'EXPECTED')
    and not (adj_group = 'OA' and adj_reason = '23' and coalesce(adj_clp_status, '') in ('2', '3'));

-- Days after the remittance's payment date that a denial (or an underpayment) can still be recovered
-- (DESIGN §10; RULEBOOK §10): Medicare FIX = reopening (42 CFR 405.980, 1 year), Medicare APPEAL =
-- redetermination (42 CFR 405.942, 120 days); other payers: their corrected-claim / appeal limit
-- (payer directory appeal_days). Write-off and patient classes have no window (null).
create or replace macro recovery_window_days(payer_class, recovery_class, appeal_days) as
    case when recovery_class not in ('FIX', 'APPEAL') or recovery_class is null then null
         when payer_class = 'medicare' and recovery_class = 'FIX' then setting_num('medicare_reopening_days')
         when payer_class = 'medicare' then setting_num('medicare_redetermination_days')
         else appeal_days end::integer;
create or replace macro recovery_window_name(payer_class, recovery_class) as
    case when payer_class = 'medicare' and recovery_class = 'FIX' then 'Medicare reopening window'
         when payer_class = 'medicare' then 'Medicare redetermination window'
         else 'payer appeal/corrected-claim window' end;

-- The money clause of a line finding's detail: its value and price basis, or why it is $0.
create or replace macro line_value_note(value, basis, denial_note) as
    case when denial_note is not null then 'reported at $0 because ' || denial_note
         when value is null then 'no dollar estimate (' || basis || ')'
         else 'line worth $' || printf('%.2f', value) || ' (' || basis || ')' end;

-- How a fee-schedule price was made, in the words of the findings' detail (stg_line_pricing,
-- stg_unbilled_visits, stg_units_prices): Medicare rules price at the audit's locality; another payer pays
-- its percentage of that Medicare amount (pricing_output); both with the multiple-procedure reduction.
create or replace macro fee_schedule_basis(medicare_rules, is_proxy, dos, fee_pct) as
    case when medicare_rules then '' else round(fee_pct * 100)::integer || '% of the ' end
    || case when is_proxy then 'proxy ' else '' end || 'Medicare fee schedule ' || year(dos)
    || case when medicare_rules then ', locality ' || (select locality from audit_params) else '' end
    || ', MPPR applied';
