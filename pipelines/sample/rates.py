"""How often the sample practice gets things wrong: the probability of each planted problem, per visit,
claim, line or patient, drawn with the seed's RNG, and the published figures the rates are set against.

The rates are chosen inside the published ranges for outpatient (rehab) therapy practices so the demo
shows an ordinary practice with ordinary leakage, not a clean one (issue 14 step 9); where no figure is
published for a rule, the rate is our assumption and says so. Each rate names its sources (keys of
SOURCES); readme.py renders both into sample_data/README.md."""
from __future__ import annotations

# key -> (title, address)
SOURCES = {
    "mgma_denials": ("MGMA Stat: \"6 keys to addressing denials\" (2021; cites the Change Healthcare 2020 Denials "
                     "Index: registration/eligibility ~27%, authorization 11.6%, service not covered 10.6% of denials)",
                     "https://www.mgma.com/mgma-stats/6-keys-to-addressing-denials-in-your-medical-practice-s-revenue-cycle"),
    "mgma_leaks": ("MGMA Stat poll, 6 Jan 2026: denials/appeals are the biggest revenue-cycle leak (48%), then "
                   "front-end eligibility (23%), coding incl. undercoding and modifier issues (13%)",
                   "https://www.mgma.com/mgma-stat/detecting-and-fixing-leaks-across-the-revenue-cycle"),
    "mgma_5_10": ("MGMA: average practice denial rate 5%-10% (as quoted)",
                  "https://www.ronnieguha.com/operations/average-denials-rate/"),
    "kodiak_2024": ("Kodiak Solutions: initial denial rate 11.81% of claims in 2024",
                    "https://authannie.com/in-the-news/initial-denial-rates-continued-rise-2024"),
    "experian_2025": ("Experian Health, State of Claims 2025: 41% of providers see 10% or more of claims denied "
                      "(38% in 2024, 30% in 2022)",
                      "https://www.experian.com/blogs/healthcare/search/artificial%20intelligence/page/2"),
    "change_2017": ("Change Healthcare Healthy Hospital Revenue Cycle Index (2017): 9% of charges initially denied, "
                    "63% of denials recoverable",
                    "https://www.hcinnovationgroup.com/finance-revenue-cycle/news/13028823/an-estimated-262b-in-medical-claims-initially-denied-in-2016-analysis-shows"),
    "pt_denials": ("Specialty benchmark synthesis (MGMA, Experian, HFMA, MDaudit): physical therapy practices 15%-20% "
                   "initial denials; Medicare Advantage above 17%",
                   "https://medibilling.app/docs/denial-rate-benchmark-2026"),
    "webpt_denial_cost": ("WebPT, \"The True Cost of a Denied Claim in Your PT Practice\" (2022): rework cost $25-$117 "
                          "per denial; commercial reimbursement delays 42-137 days",
                          "https://www.webpt.com/blog/the-true-cost-of-a-denied-claim-in-your-pt-practice"),
    "webpt_front_office": ("WebPT (2025): 67% of denials among its RCM members traced to front-office processes",
                           "https://www.webpt.com/blog/accounts-receivable-for-rehab-therapy-practices-signs-youre-being-too-reactive"),
    "hfma_clean": ("HFMA MAP Keys clean-claim rate: 95% target, below 90% a front-end failure (as summarised)",
                   "https://www.medprecisionbilling.com/resources/clean-claim-rate-formula-and-target/"),
    "clean_85_95": ("Most practices land between 85% and 95% clean claims (98% high performers)",
                    "https://www.pgmbilling.com/blog/what-is-a-clean-claim-rate-benchmarks-calculations-and-what-the-number-wont-tell-you/"),
    "oig_pt_2018": ("HHS-OIG A-05-14-00041 (2018): 61% of 300 sampled Medicare outpatient PT claims non-compliant; "
                    "145 of 300 (48%) had coding deficiencies, incl. timed units billed that did not match the "
                    "documented minutes and improper modifiers; 112 (37%) documentation (plans of care unsigned)",
                    "https://oig.hhs.gov/oas/reports/region5/51400041.asp"),
    "oig_pt_summary": ("Revenue Cycle Advisor summary of the OIG report: 145 coding deficiencies, 112 documentation, "
                       "91 medical necessity among 300 claims",
                       "https://revenuecycleadvisor.com/news-analysis/oig-cms-paid-367-million-noncompliant-outpatient-physical-therapy"),
    "cert_2024": ("CMS CERT, FY2024 Medicare FFS improper payment rate 7.66%; Part B providers 10.35%",
                  "https://medicare.fcso.com/claims-review-programs/cert-insiders-guide-part-b-first-quarter-2025"),
    "novitas_kx": ("Novitas TPE reviews of therapy billed with KX: top denial reasons are uncertified plans of care, "
                   "no progress report every 10 visits, time not documented, assistant requirements not met",
                   "https://www.novitas-solutions.com/webcenter/portal/MedicareJL/pagebyid?contentId=00275704"),
    "ama_coding": ("AMA estimate, as quoted: 12% of medical claims carry inaccurate codes; coding-related issues "
                   "drive 30%-40% of initial denials",
                   "https://authannie.com/blog/coding-accuracy-denial-prevention"),
    "underpay": ("Underpayments: 5%-10% of paid claims, 1%-3% of net revenue (contract-variance vendors)",
                 "https://www.revenuesynergy.com/blog/underpayment-recovery-guide.html"),
    "charge_capture": ("Missed charges (documented, never billed): 1%-5% of net patient revenue",
                       "https://www.vitalcx.com/resource-posts/charge-capture-healthcare-missed-charges"),
    "assumption": ("Our assumption (no published rate found); kept low", ""),
}

# name -> (probability, unit, what the plant is, source keys)
RATES = {
    # claims (the 835's answer)
    "denial": (0.080, "claim", "final 835 denies a line, every line, or the whole claim (CARC mix: eligibility "
               "CO-27/22, missing information CO-16 (+MA130), modifier CO-4, medical necessity CO-50, "
               "authorization CO-197, not covered CO-204/96, timely filing CO-29)",
               ["mgma_5_10", "kodiak_2024", "experian_2025", "pt_denials", "mgma_denials", "clean_85_95"]),
    "underpayment": (0.070, "paid claim", "one line allowed below the fee schedule (payer misapplied MPPR or an "
                     "old rate)", ["underpay"]),
    "unpaid": (0.015, "claim submitted 45+ days before the as-of date", "no 835 ever received",
               ["change_2017", "webpt_denial_cost"]),
    "charge_lag": (0.050, "claim", "submitted 2-5 weeks after the visit instead of the next weekly batch",
                   ["assumption"]),
    "reversal": (0.003, "paid claim", "835 reversal (CLP02 22) and corrected payment (near-miss)", ["assumption"]),
    "plb_interest": (0.003, "paid claim", "PLB L6 interest on the payment run (near-miss)", ["assumption"]),
    # visits
    "unbilled": (0.015, "treatment visit", "documented, never billed", ["charge_capture"]),
    "units_under": (0.035, "treatment visit", "a timed code billed one unit short of its documented minutes",
                    ["oig_pt_2018", "ama_coding", "mgma_leaks"]),
    "units_over": (0.012, "treatment visit", "a timed code billed one unit above its documented minutes",
                   ["oig_pt_2018", "cert_2024"]),
    "units_misallocated": (0.010, "Medicare/MA visit", "right total, CMS allocation not followed", ["oig_pt_2018"]),
    "untimed_units": (0.004, "treatment visit", "untimed once-a-day code (G0283, 97150) billed x2", ["oig_pt_2018"]),
    "minutes_missing": (0.010, "treatment visit", "a timed line with no minutes in the notes", ["novitas_kx", "oig_pt_2018"]),
    "go_missing": (0.008, "treatment visit", "always-therapy code billed without GO",
                   ["oig_pt_2018", "ama_coding", "mgma_leaks"]),
    "discipline_wrong": (0.005, "treatment visit", "GP / GN / GO+GP on an OT service", ["oig_pt_2018"]),
    "co_missing": (0.010, "Medicare visit", "a line furnished by the OTA billed without CO", ["novitas_kx", "oig_pt_2018"]),
    "co_unneeded": (0.008, "Medicare visit", "CO on a line the OT furnished", ["assumption"]),
    "ncci": (0.006, "treatment visit", "NCCI pair billed without 59/X on the column-2 code", ["oig_pt_2018"]),
    "coding_edit": (0.004, "treatment visit", "97130 without 97129, 97763 with 97760, two evaluations a day",
                    ["oig_pt_2018"]),
    "mue": (0.015, "Medicare visit on or after 2026-04-01", "97530 or 97110 billed x7 (MUE 6) with minutes "
            "supporting the units", ["assumption"]),
    # patients / episodes
    "intensive": (0.15, "Medicare Part B adult", "intensive episode (3 visits a week, 30-60 visits): crosses the KX "
                  "threshold and often the $3,000 review amount", ["assumption"]),
    "kx_missing": (0.30, "beneficiary-year above the KX threshold", "one visit after the crossing billed without KX",
                   ["novitas_kx", "oig_pt_2018"]),
    "poc_missing": (0.04, "Medicare/MA patient", "no plan of care, or a plan starting after treatment began",
                    ["oig_pt_2018", "novitas_kx"]),
    "poc_cert_late": (0.08, "Medicare/MA patient", "initial plan signed 31-55 days after the first treatment",
                      ["oig_pt_2018", "novitas_kx"]),
    "poc_recert_late": (0.10, "Medicare/MA patient with a recertification", "recertification signed after the "
                        "previous interval ended", ["novitas_kx"]),
    "progress_overdue": (0.10, "Medicare/MA patient with 12+ treatment days", "a progress report skipped",
                         ["novitas_kx"]),
    "masshealth_pa": (0.35, "MassHealth patient with 21+ visits", "no prior authorization after visit 20",
                      ["mgma_denials"]),
    "masshealth_rx": (0.15, "MassHealth patient", "prescription renewal signed late (over 60 days)", ["assumption"]),
    "auth_exceeded": (0.12, "patient of a payer requiring authorization", "visits beyond the authorized count or dates",
                      ["mgma_denials", "webpt_front_office"]),
}


def p(name: str) -> float:
    return RATES[name][0]
