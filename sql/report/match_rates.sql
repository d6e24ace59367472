-- match_rates: how well the inputs link up (claims to remittances, claim lines to remittance lines and to
-- documentation), as the stage measured them (table match_rates).
select label, rate, matched, total from match_rates
