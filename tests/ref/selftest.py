#!/usr/bin/env python3
"""Self-check of reference.py against hand-derived verdicts.

Every case is a tiny partner with its evaluation date; the expected verdicts
were worked out by hand from shared/spec/stdlib-semantics.md (the reasoning is
in the comment of each case).  Only the rules a case is about are checked,
unless it says otherwise.  Run:  python3 selftest.py
"""

import json
import os
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True  # keep the folder free of __pycache__

HERE = os.path.dirname(os.path.abspath(__file__))
REF = os.path.join(HERE, "reference.py")

X = "express_uc"
P = "premier_integrator"

# A partner that meets every express_uc rule on 2008-05-23 (646-203 still accepted).
XUC_BASE = """
  person ann full-time hired=2007-01-01
  person bob full-time
  exam ann 646-203 2008-01-15
  credential ann ipc-express-sales-specialist 2007-06-01 expires=2009-06-01
  credential bob ipc-express-specialist 2007-06-01
  role ann AM express-uc
  role bob SE express-uc
  specialization express-uc 2008-01-01
"""

# A partner that meets every premier_integrator rule on 2021-10-01
# (certification attained 2021-03-01, so M = 2022-03-01: nothing due yet).
PI_BASE = """
  person ann full-time "Ann Lee" hired=2018-04-01
  person ben full-time
  credential ann CCNP 2019-05-02 expires=2022-05-02
  credential ben CCDA 2020-01-10
  specialization express-uc 2019-01-01
  certification premier-integrator 2021-03-01
  agreement icpa 2018-01-01
  agreement partner-support 2018-01-01
  agreement terms-and-conditions 2021-02-01
  service customer-service-8x5
  service one-hour-callback
  service pre-sales-support
  service post-sales-support
  country US us-canada
  country CA us-canada
"""

PI_SERVICES_OK = """
  agreement icpa 2018-01-01
  agreement partner-support 2018-01-01
  agreement terms-and-conditions 2018-01-01
  service customer-service-8x5
  service one-hour-callback
  service pre-sales-support
  service post-sales-support
  specialization security 2018-01-01
"""

ALL_XUC_MET = {r: "met" for r in ("account_manager", "system_engineer", "role_sharing",
                                  "single_technology", "compliance_notice")}
ALL_PI_MET = {r: "met" for r in ("specialization", "certified_roles", "service_support",
                                 "customer_satisfaction", "country_grouping", "terms")}

# (name, as_of, body, {module: {rule: verdict | ("grace", deadline), "_verdict": v,
#                               "_notices": n}})
CASES = [
    # ---------------------------------------------------------------- express_uc
    # 1. Everything in place on 2008-05-23; 646-203 accepted while D < 2008-05-24.
    ("x_base_ok", "2008-05-23", XUC_BASE, {X: dict(ALL_XUC_MET, _verdict="met", _notices=0)}),
    # 2. Same partner on 2008-05-24: 646-203 retired from that day -> AM not met.
    ("x_646203_retired", "2008-05-24", XUC_BASE,
     {X: {"account_manager": "not_met", "system_engineer": "met", "_verdict": "not_met"}}),
    # 3. 646-204 passed on D itself counts (passed <= D) -> met even after retirement date.
    ("x_646204_on_D", "2008-06-01", XUC_BASE + "  exam ann 646-204 2008-06-01\n",
     {X: {"account_manager": "met"}}),
    # 4. 646-204 passed on D+1 does not exist yet; 646-203 retired -> not met.
    ("x_646204_after_D", "2008-06-01", XUC_BASE + "  exam ann 646-204 2008-06-02\n",
     {X: {"account_manager": "not_met"}}),
    # 5. AM left on D (counts only while D < left) -> not met; SE hired on D counts -> met.
    ("x_left_on_D", "2008-03-01", """
  person ann full-time left=2008-03-01
  person bob contractor hired=2008-03-01
  exam ann 646-204 2008-01-01
  credential ann ipc-express-sales-specialist 2007-06-01
  credential bob ipc-express-specialist 2007-06-01
  role ann AM express-uc
  role bob SE express-uc
""", {X: {"account_manager": "not_met", "system_engineer": "met"}}),
    # 6. Specialist credentials expiring on D are not valid on D -> both not met.
    #    The SE's credential is for the wrong role (sales specialist) -> still not met.
    ("x_cred_expires_on_D", "2008-03-01", """
  person ann full-time
  person bob full-time
  exam ann 646-204 2008-01-01
  credential ann ipc-express-sales-specialist 2007-06-01 expires=2008-03-01
  credential bob ipc-express-specialist 2007-06-01 expires=2008-03-01
  credential bob ipc-express-sales-specialist 2007-06-01
  role ann AM express-uc
  role bob SE express-uc
""", {X: {"account_manager": "not_met", "system_engineer": "not_met"}}),
    # 7. AM designated for another specialization only -> not met (must be express-uc).
    ("x_am_wrong_spec", "2008-03-01", """
  person ann full-time
  exam ann 646-204 2008-01-01
  credential ann ipc-express-sales-specialist 2007-06-01
  role ann AM advanced-uc
""", {X: {"account_manager": "not_met", "system_engineer": "not_met",
          "role_sharing": "met"}}),  # ann not designated for express-uc: not looked at
    # 8. Role sharing at the limits: AM in 4 non-exempt specializations plus exempt
    #    ones (smb, crm-express, vpn-firewall), SE in 2 + exempt, FE in 2, and an AM who
    #    is also SE of the exempt smb (exempt designations are ignored entirely) -> met.
    ("x_sharing_at_limits", "2008-03-01", """
  person a full-time
  person s full-time
  person f full-time
  role a AM express-uc
  role a AM security
  role a AM wireless
  role a AM storage
  role a AM storage
  role a AM smb
  role a AM crm-express
  role a SE smb
  role s SE express-uc
  role s SE wireless
  role s SE vpn-firewall
  role f FE express-uc
  role f FE security
""", {X: {"role_sharing": "met"}}),
    # 9. AM in 5 distinct non-exempt specializations -> not met.
    ("x_sharing_am_over", "2008-03-01", """
  person a full-time
  role a AM express-uc
  role a AM security
  role a AM wireless
  role a AM storage
  role a AM routing
""", {X: {"role_sharing": "not_met"}}),
    # 10. SE in 3 non-exempt specializations -> not met (the person has left long
    #     ago: designations carry no dates, so it still counts against the partner).
    ("x_sharing_se_over_left", "2008-03-01", """
  person s full-time left=2005-01-01
  role s SE express-uc
  role s SE wireless
  role s SE security
""", {X: {"role_sharing": "not_met"}}),
    # 11. Cross-population: AM of express-uc and FE of security -> not met.
    ("x_cross_population", "2008-03-01", """
  person a full-time
  role a AM express-uc
  role a FE security
""", {X: {"role_sharing": "not_met"}}),
    # 12. Person over the limit but never designated for express-uc -> not looked at.
    ("x_sharing_not_xuc", "2008-03-01", """
  person a full-time
  role a AM security
  role a SE wireless
""", {X: {"role_sharing": "met"}}),
    # 13. single_technology: advanced-uc expiring on D is not valid -> met;
    #     master-uc attained D+1 does not exist -> met.
    ("x_single_tech_ok", "2008-03-01", """
  specialization express-uc 2008-01-01
  specialization advanced-uc 2007-01-01 expires=2008-03-01
  specialization master-uc 2008-03-02
""", {X: {"single_technology": "met"}}),
    # 14. advanced-uc valid on D -> not met (also without express-uc itself).
    ("x_single_tech_bad", "2008-03-01", """
  specialization advanced-uc 2008-03-01
""", {X: {"single_technology": "not_met"}}),
    # 15. compliance_notice, D = 2008-03-31:
    #     n1 aware 2008-03-01 (D = aware+30), never notified -> still within 30 days: ok
    #     n2 aware 2008-01-01, notified 2008-01-31 (= aware+30) -> ok
    #     n3 aware 2008-01-01, notified 2008-02-01 (aware+31), resolved on D -> closed: ok
    #     n4 aware 2008-04-01 (after D) -> does not exist
    ("x_notice_ok", "2008-03-31", """
  noncompliance system_engineer 2008-03-01
  noncompliance topic-x 2008-01-01 notified=2008-01-31
  noncompliance account_manager 2008-01-01 notified=2008-02-01 resolved=2008-03-31
  noncompliance account_manager 2008-04-01
""", {X: {"compliance_notice": "met"}}),
    # 16. aware 2008-02-29, D = 2008-03-31 = aware+31, never notified -> not met.
    ("x_notice_late_none", "2008-03-31", """
  noncompliance some-other-topic 2008-02-29
""", {X: {"compliance_notice": "not_met"}}),
    # 17. notified aware+31 and still open (resolved D+1) -> not met.
    ("x_notice_late", "2008-03-31", """
  noncompliance account_manager 2008-01-01 notified=2008-02-01 resolved=2008-04-01
""", {X: {"compliance_notice": "not_met"}}),
    # 18. notified before aware does not count; aware+45 < D -> not met.
    ("x_notice_before_aware", "2008-03-31", """
  noncompliance account_manager 2008-02-01 notified=2008-01-20
""", {X: {"compliance_notice": "not_met"}}),
    # 19. notified date after D does not count yet: aware 2008-02-01 (D = aware+59).
    ("x_notice_future", "2008-03-31", """
  noncompliance account_manager 2008-02-01 notified=2008-04-02
""", {X: {"compliance_notice": "not_met"}}),
    # 20. Extension: SE missing; open nc on system_engineer notified in time with
    #     extension-until D+1 -> grace until D+1; a second one until 2008-06-30 ->
    #     the latest is the deadline.  AM missing with an extension ending on D ->
    #     not met.  Module: not_met (AM).
    ("x_extension", "2008-03-31", """
  noncompliance system_engineer 2008-03-01 notified=2008-03-05 extension-until=2008-04-01
  noncompliance system_engineer 2008-03-10 notified=2008-03-10 extension-until=2008-06-30
  noncompliance account_manager 2008-03-01 notified=2008-03-05 extension-until=2008-03-31
""", {X: {"system_engineer": ("grace", "2008-06-30"), "account_manager": "not_met",
          "compliance_notice": "met", "_verdict": "not_met"}}),
    # 21. Extension on everything that fails; module verdict grace.
    #     AM: ext without notification -> would not qualify; a second nc notified in
    #     time gives grace until 2008-04-01.  compliance_notice fails because the
    #     unnotified nc is 60 days old, but it too has an extension -> grace.
    ("x_extension_all", "2008-03-31", XUC_BASE.replace("exam ann 646-203 2008-01-15", "") + """
  noncompliance account_manager 2008-01-31 extension-until=2008-12-31
  noncompliance account_manager 2008-03-01 notified=2008-03-31 extension-until=2008-04-01
  noncompliance compliance_notice 2008-03-02 notified=2008-03-02 extension-until=2008-05-01
""", {X: {"account_manager": ("grace", "2008-04-01"),
          "compliance_notice": ("grace", "2008-05-01"), "system_engineer": "met",
          "_verdict": "grace"}}),
    # 22. Extension notified aware+31 -> not in time -> not met; extension resolved
    #     on D -> closed -> not met.
    ("x_extension_bad", "2008-03-31", """
  noncompliance system_engineer 2008-01-01 notified=2008-02-01 extension-until=2008-12-31
  noncompliance account_manager 2008-03-01 notified=2008-03-01 extension-until=2008-12-31 resolved=2008-03-31
""", {X: {"system_engineer": "not_met", "account_manager": "not_met"}}),
    # 23. Supersession: ipc-express valid until 2008-03-01 (exclusive), express-uc
    #     attained 2008-02-29 -> notice.  Verdicts untouched.
    ("x_supersede", "2008-05-23", XUC_BASE.replace("specialization express-uc 2008-01-01",
                                                   "specialization express-uc 2008-02-29") + """
  specialization ipc-express 2006-01-01 expires=2008-03-01
""", {X: dict(ALL_XUC_MET, _notices=1, _verdict="met")}),
    # 24. express-uc attained on the day ipc-express expires -> no notice.
    ("x_supersede_no", "2008-05-23", XUC_BASE.replace("specialization express-uc 2008-01-01",
                                                      "specialization express-uc 2008-03-01") + """
  specialization ipc-express 2006-01-01 expires=2008-03-01
""", {X: {"_notices": 0}}),
    # 25. express-uc attained after D -> no notice yet.
    ("x_supersede_future", "2008-02-01", """
  specialization ipc-express 2006-01-01
  specialization express-uc 2008-02-02
""", {X: {"_notices": 0, "single_technology": "met"}}),

    # -------------------------------------------------------- premier_integrator
    # 26. The facts-v1 example: everything met.
    ("p_base_ok", "2021-10-01", PI_BASE, {P: dict(ALL_PI_MET, _verdict="met")}),
    # 27. Specialization expiring on D -> not met; only one attained after D -> no.
    ("p_no_spec", "2021-10-01", PI_BASE.replace("specialization express-uc 2019-01-01",
                                                "specialization express-uc 2019-01-01 expires=2021-10-01\n"
                                                "  specialization smb 2021-10-02"),
     {P: {"specialization": "not_met"}}),
    # 28. certified_roles: two CCDA/CCDP holders (no networking) -> not met.
    ("p_roles_design_only", "2021-10-01", PI_SERVICES_OK + """
  person a full-time
  person b full-time
  credential a CCDA 2020-01-01
  credential b CCDP 2020-01-01
""", {P: {"certified_roles": "not_met"}}),
    # 29. one person with CCNA and CCDA, second full-time person uncertified -> not met.
    ("p_roles_one_person", "2021-10-01", PI_SERVICES_OK + """
  person a full-time
  person b full-time
  credential a CCNA 2020-01-01
  credential a CCDA 2020-01-01
""", {P: {"certified_roles": "not_met"}}),
    # 30. CCIE + CCAr, but the CCAr holder is part-time -> not met; a contractor CCNA
    #     does not help either.
    ("p_roles_part_time", "2021-10-01", PI_SERVICES_OK + """
  person a full-time
  person b part-time
  person c contractor
  credential a CCIE 2020-01-01
  credential b CCAr 2020-01-01
  credential c CCNA 2020-01-01
""", {P: {"certified_roles": "not_met"}}),
    # 31. CCIE + CCAr both full-time -> met.
    ("p_roles_ok", "2021-10-01", PI_SERVICES_OK + """
  person a full-time
  person b full-time hired=2021-10-01
  credential a CCIE 2020-01-01
  credential b CCAr 2020-01-01 expires=2021-10-02
""", {P: {"certified_roles": "met"}}),
    # 32. Get Well: ann CCNA, ben CCNP; premier since 2020-01-01; ben left 2021-06-15
    #     -> run of unmet days starts U = 2021-06-15; U+6 = 2021-12-15 > D; ann still
    #     career certified -> grace until 2021-12-15.  M = 2021-01-01, so January 2021
    #     is due (10 contacts given) and July 2021 too (no low scores): all other
    #     rules met -> module verdict grace.
    ("p_getwell_grace", "2021-10-01", PI_SERVICES_OK + """
  certification premier-integrator 2020-01-01
  csat-contacts 2021-01-10 10
  person ann full-time hired=2015-01-01
  person ben full-time hired=2015-01-01 left=2021-06-15
  credential ann CCNA 2016-01-01
  credential ben CCNP 2016-01-01
""", {P: {"certified_roles": ("grace", "2021-12-15"), "_verdict": "grace"}}),
    # 33. Same, ben left 2021-04-01: U+6 = 2021-10-01 = D, not > D -> not met.
    ("p_getwell_expired", "2021-10-01", PI_SERVICES_OK + """
  certification premier-integrator 2020-01-01
  person ann full-time hired=2015-01-01
  person ben full-time hired=2015-01-01 left=2021-04-01
  credential ann CCNA 2016-01-01
  credential ben CCNP 2016-01-01
""", {P: {"certified_roles": "not_met"}}),
    # 34. Both lost within six months (ben left 2021-06-15, ann's CCNA expired
    #     2021-08-01) -> no career certified person on D -> not met.
    ("p_getwell_both_lost", "2021-10-01", PI_SERVICES_OK + """
  certification premier-integrator 2020-01-01
  person ann full-time hired=2015-01-01
  person ben full-time hired=2015-01-01 left=2021-06-15
  credential ann CCNA 2016-01-01 expires=2021-08-01
  credential ben CCNP 2016-01-01
""", {P: {"certified_roles": "not_met"}}),
    # 35. Requirement never met (only ann ever certified) -> no grace.
    ("p_getwell_never", "2021-10-01", PI_SERVICES_OK + """
  certification premier-integrator 2020-01-01
  person ann full-time
  credential ann CCNA 2016-01-01
""", {P: {"certified_roles": "not_met"}}),
    # 36. No premier certification (expired on D) -> no grace.
    ("p_getwell_no_cert", "2021-10-01", PI_SERVICES_OK + """
  certification premier-integrator 2020-01-01 expires=2021-10-01
  person ann full-time hired=2015-01-01
  person ben full-time hired=2015-01-01 left=2021-06-15
  credential ann CCNA 2016-01-01
  credential ben CCNP 2016-01-01
""", {P: {"certified_roles": "not_met"}}),
    # 37. Re-certification: ben's CCNP lapsed 2020-01-01..2020-03-01 (an earlier unmet
    #     run), met again, then lapsed 2021-08-31 -> U = 2021-08-31, deadline
    #     2022-02-28 (day clamped).  The remaining career certified person holds a
    #     design certification only, which is enough for the Get Well Plan.
    #     The earlier unmet run (2020) is before the current one and irrelevant.
    #     Premier certification attained after the first lapse: met earlier anyway.
    ("p_getwell_recert", "2021-10-01", PI_SERVICES_OK + """
  certification premier-integrator 2020-06-01
  person ann full-time
  person ben full-time
  credential ann CCDA 2015-01-01
  credential ben CCNP 2015-01-01 expires=2020-01-01
  credential ben CCNP 2020-03-01 expires=2021-08-31
""", {P: {"certified_roles": ("grace", "2022-02-28")}}),
    # 38. Premier certification attained on D-1, requirement met until 2021-09-01
    #     (before the certification): "met on some earlier day" includes days
    #     before attainment -> grace until 2022-03-01.
    ("p_getwell_before_cert", "2021-10-01", PI_SERVICES_OK + """
  certification premier-integrator 2021-09-30
  person ann full-time
  person ben full-time left=2021-09-01
  credential ann CCNP 2015-01-01
  credential ben CCNP 2015-01-01
""", {P: {"certified_roles": ("grace", "2022-03-01")}}),
    # 39. Remaining person is a part-time CCIE, full-time one has no cert -> no grace.
    ("p_getwell_part_time_left", "2021-10-01", PI_SERVICES_OK + """
  certification premier-integrator 2020-01-01
  person ann part-time
  person ben full-time left=2021-09-01
  person cat full-time
  credential ann CCIE 2015-01-01
  credential ben CCNP 2015-01-01
  credential cat CCNA 2015-01-01
""", {P: {"certified_roles": ("grace", "2022-03-01")}}),
    ("p_getwell_part_time_only", "2021-10-01", PI_SERVICES_OK + """
  certification premier-integrator 2020-01-01
  person ann part-time
  person ben full-time left=2021-09-01
  person cat full-time left=2021-09-01
  person dan full-time
  credential ann CCIE 2015-01-01
  credential ben CCNP 2015-01-01
  credential cat CCNA 2015-01-01
""", {P: {"certified_roles": "not_met"}}),
    # 40. service_support: all present with since on D and agreements expiring D+1 -> met.
    ("p_service_ok", "2021-10-01", """
  agreement resale 2021-10-01 expires=2021-10-02
  agreement partner-support 2020-01-01 expires=2021-10-02
  service customer-service-8x5 since=2021-10-01
  service one-hour-callback
  service pre-sales-support since=2020-01-01
  service post-sales-support
""", {P: {"service_support": "met"}}),
    # 41. a service starting D+1 -> not met.
    ("p_service_future", "2021-10-01", """
  agreement resale 2021-10-01
  agreement partner-support 2020-01-01
  service customer-service-8x5 since=2021-10-02
  service one-hour-callback
  service pre-sales-support
  service post-sales-support
""", {P: {"service_support": "not_met"}}),
    # 42. icpa expiring on D -> not met; partner-support missing entirely -> not met.
    ("p_service_icpa_expired", "2021-10-01", """
  agreement icpa 2018-01-01 expires=2021-10-01
  agreement partner-support 2020-01-01
  service customer-service-8x5
  service one-hour-callback
  service pre-sales-support
  service post-sales-support
""", {P: {"service_support": "not_met"}}),
    ("p_service_no_psa", "2021-10-01", """
  agreement icpa 2018-01-01
  service customer-service-8x5
  service one-hour-callback
  service pre-sales-support
  service post-sales-support
""", {P: {"service_support": "not_met"}}),
    # 43. customer_satisfaction: premier attained 2021-01-01 -> M = 2022-01-01.
    #     D = 2022-02-01: January 2022 is due (begins on M, ended before D).
    #     Contacts 4 (01-01) + 6 (01-31) = 10 -> met.  (July 2021 begins before M.)
    ("p_csat_jan_ok", "2022-02-01", """
  certification premier-integrator 2021-01-01
  csat-contacts 2022-01-01 4
  csat-contacts 2022-01-31 6
  csat-contacts 2021-12-31 100
""", {P: {"customer_satisfaction": "met"}}),
    # 44. Same, the second batch submitted 2022-02-01 (outside January) -> 4 < 10.
    ("p_csat_jan_short", "2022-02-01", """
  certification premier-integrator 2021-01-01
  csat-contacts 2022-01-01 4
  csat-contacts 2022-02-01 6
""", {P: {"customer_satisfaction": "not_met"}}),
    # 45. D = 2022-01-31: January 2022 has not ended -> not due -> met with nothing.
    ("p_csat_jan_not_ended", "2022-01-31", """
  certification premier-integrator 2021-01-01
""", {P: {"customer_satisfaction": "met"}}),
    # 46. premier attained 2021-01-02 -> M = 2022-01-02 > 2022-01-01: not due -> met.
    ("p_csat_jan_before_M", "2022-02-01", """
  certification premier-integrator 2021-01-02
""", {P: {"customer_satisfaction": "met"}}),
    # 47. premier attained 2020-01-31 -> M = 2021-01-31.  D = 2022-03-01:
    #     January 2022 due (10 given, January 2021 missed but no longer counts);
    #     July 2021 due (2021-07-01 >= M): fiscal year 2021 = 2020-08-01..2021-07-31.
    #     ls1 received 2020-08-01, follow-up 2021-07-31 -> ok.
    #     ls2 received 2020-07-31 (fiscal 2020) without follow-up -> not judged.
    #     ls3 received 2021-08-01 (fiscal 2022) without follow-up -> not judged yet.
    ("p_csat_july_ok", "2022-03-01", """
  certification premier-integrator 2020-01-31
  csat-contacts 2022-01-15 10
  low-score ls1 2020-08-01
  low-score ls2 2020-07-31
  low-score ls3 2021-08-01
  follow-up ls1 2021-07-31
""", {P: {"customer_satisfaction": "met"}}),
    # 48. Same, but ls1's follow-up was entered 2021-08-01 (too late) and another one
    #     before the score was received -> not met.
    ("p_csat_july_late", "2022-03-01", """
  certification premier-integrator 2020-01-31
  csat-contacts 2022-01-15 10
  low-score ls1 2021-07-31
  follow-up ls1 2021-07-30
  follow-up ls1 2021-08-01
""", {P: {"customer_satisfaction": "not_met"}}),
    # 49. Follow-up on the day of receipt is fine.
    ("p_csat_july_same_day", "2022-03-01", """
  certification premier-integrator 2020-01-31
  csat-contacts 2022-01-15 10
  low-score ls1 2021-07-31
  follow-up ls1 2021-07-31
""", {P: {"customer_satisfaction": "met"}}),
    # 50. Premier certification expired on D -> rule does not apply -> met.
    ("p_csat_not_applicable", "2022-03-01", """
  certification premier-integrator 2019-01-01 expires=2022-03-01
  low-score ls1 2021-07-31
""", {P: {"customer_satisfaction": "met"}}),
    # 51. Two valid premier certifications: A is the earliest attained (2019-06-01),
    #     so M = 2020-06-01 and January 2021 is due on 2021-02-01 -> 0 contacts.
    ("p_csat_earliest_A", "2021-02-01", """
  certification premier-integrator 2020-06-01
  certification premier-integrator 2019-06-01
  certification premier-integrator 2018-01-01 expires=2019-01-01
""", {P: {"customer_satisfaction": "not_met"}}),
    # 52. Country groupings.
    ("p_country_ok", "2021-10-01", """
  country US us-canada
  country CA us-canada
""", {P: {"country_grouping": "met"}}),
    ("p_country_none", "2021-10-01", "\n", {P: {"country_grouping": "met", "terms": "not_met",
                                               "specialization": "not_met"}}),
    ("p_country_mixed", "2021-10-01", """
  country US us-canada
  country DE emear
""", {P: {"country_grouping": "not_met"}}),
    # 53. Terms: signed on D -> met; expiring on D -> not met.
    ("p_terms_on_D", "2021-10-01", "  agreement terms-and-conditions 2021-10-01\n",
     {P: {"terms": "met"}}),
    ("p_terms_expired", "2021-10-01",
     "  agreement terms-and-conditions 2020-10-01 expires=2021-10-01\n",
     {P: {"terms": "not_met"}}),
]


def run_ref(args, text):
    with tempfile.NamedTemporaryFile("wb", suffix=".facts", delete=False) as f:
        f.write(text.encode("utf-8"))
        path = f.name
    try:
        out = subprocess.run([sys.executable, REF] + args + [path], check=True,
                             stdout=subprocess.PIPE).stdout
    finally:
        os.unlink(path)
    return json.loads(out)


def check_case(name, as_of, body, expected):
    text = "as-of %s\npartner %s\n%s" % (as_of, name, body)
    doc = run_ref([], text)
    assert doc["as_of"] == as_of, (name, doc["as_of"])
    (partner,) = doc["partners"]
    mods = {m["module"]: m for m in partner["modules"]}
    fails = []
    for mod, exp in expected.items():
        m = mods[mod]
        rules = {r["id"]: r for r in m["rules"]}
        for key, want in exp.items():
            if key == "_verdict":
                got = m["verdict"]
            elif key == "_notices":
                got = m["notices_count"]
            else:
                r = rules[key]
                got = (r["verdict"], r["deadline"]) if r["verdict"] == "grace" else r["verdict"]
                if r["verdict"] != "grace":
                    assert "deadline" not in r
            if got != want:
                fails.append("%s %s.%s: expected %r, got %r" % (name, mod, key, want, got))
    return fails


def check_parsing():
    """Lexical details: BOM, CRLF, comments, tabs, escapes, named fields in any
    order, '#' inside strings, module order, --as-of override."""
    text = ("\ufeff# leading comment\r\n"
            "as-of 2008-05-23   # trailing comment\r\n"
            "\r\n"
            "partner p1 \"Acme \\\"Net\\\" \\\\ #1\\tCo\"  # name with escapes\r\n"
            "\tperson ann full-time \"Ann # not a comment\" left=2009-01-01 hired=2007-01-01\r\n"
            "    exam\tann\t646-203\t2008-01-15\r\n"
            "  credential ann ipc-express-sales-specialist 2007-06-01 expires=2009-06-01\r\n"
            "  role ann AM express-uc\r\n"
            "partner p2\r\n"
            "  noncompliance account_manager 2008-05-01 resolved=2008-06-01 extension-until=2008-06-01 notified=2008-05-02\r\n")
    doc = run_ref(["--modules", "premier_integrator,express_uc"], text)
    assert doc["as_of"] == "2008-05-23"
    p1, p2 = doc["partners"]
    assert p1["id"] == "p1" and p1["name"] == 'Acme "Net" \\ #1\tCo', p1["name"]
    assert p2["name"] is None
    assert [m["module"] for m in p1["modules"]] == ["premier_integrator", "express_uc"]
    xr = {r["id"]: r for r in p1["modules"][1]["rules"]}
    assert xr["account_manager"]["verdict"] == "met"
    xr2 = {r["id"]: r for r in p2["modules"][1]["rules"]}
    assert xr2["account_manager"] == {"id": "account_manager", "verdict": "grace",
                                      "deadline": "2008-06-01"}, xr2["account_manager"]
    # --as-of overrides the file's as-of: 646-203 is retired on 2008-05-24.
    doc = run_ref(["--as-of", "2008-05-24", "--modules", "express_uc"], text)
    assert doc["as_of"] == "2008-05-24"
    assert [m["module"] for m in doc["partners"][0]["modules"]] == ["express_uc"]
    xr = {r["id"]: r for r in doc["partners"][0]["modules"][0]["rules"]}
    assert xr["account_manager"]["verdict"] == "not_met"
    # Rule order follows the tables of stdlib-semantics.md.
    assert [r["id"] for r in doc["partners"][0]["modules"][0]["rules"]] == [
        "account_manager", "system_engineer", "role_sharing", "single_technology",
        "compliance_notice"]
    doc = run_ref(["--modules", "premier_integrator"], text)
    assert [r["id"] for r in doc["partners"][0]["modules"][0]["rules"]] == [
        "specialization", "certified_roles", "service_support", "customer_satisfaction",
        "country_grouping", "terms"]


def check_add_months():
    sys.path.insert(0, HERE)
    import reference as R
    D = R.parse_date
    assert R.add_months(D("2020-01-31"), 1) == D("2020-02-29")
    assert R.add_months(D("2021-01-31"), 1) == D("2021-02-28")
    assert R.add_months(D("2021-01-31"), 12) == D("2022-01-31")
    assert R.add_months(D("2021-08-31"), 6) == D("2022-02-28")
    assert R.add_months(D("2019-12-15"), 1) == D("2020-01-15")
    assert R.add_months(D("2020-02-29"), 12) == D("2021-02-28")
    assert R.add_months(D("2021-07-31"), 6) == D("2022-01-31")


# ---------------------------------------------------------------------------
# gen.py must write only valid facts-v1: a strict checker of its output.
# ---------------------------------------------------------------------------

SCHEMA = {  # kind: (positional types, optional positional types, named fields)
    "as-of": (["date"], [], {}),
    "partner": (["word"], ["string"], {}),
    "person": (["word", "employment"], ["string"], {"hired": "date", "left": "date"}),
    "credential": (["word", "word", "date"], [], {"expires": "date"}),
    "exam": (["word", "word", "date"], [], {}),
    "role": (["word", "role", "word"], [], {}),
    "specialization": (["word", "date"], [], {"expires": "date"}),
    "certification": (["word", "date"], [], {"expires": "date"}),
    "agreement": (["agreement", "date"], [], {"expires": "date"}),
    "service": (["service"], [], {"since": "date"}),
    "country": (["word", "word"], [], {}),
    "csat-contacts": (["date", "count"], [], {}),
    "low-score": (["word", "date"], [], {}),
    "follow-up": (["word", "date"], [], {}),
    "noncompliance": (["word", "date"], [], {"notified": "date", "extension-until": "date",
                                             "resolved": "date"}),
}
ENUMS = {"employment": {"full-time", "part-time", "contractor"}, "role": {"AM", "SE", "FE"},
         "agreement": {"resale", "icpa", "partner-support", "terms-and-conditions"},
         "service": {"customer-service-8x5", "one-hour-callback", "pre-sales-support",
                     "post-sales-support"}}


def strict_check(text):
    import datetime
    import re
    sys.path.insert(0, HERE)
    import reference as R
    word = re.compile(r"^[A-Za-z0-9_.+/-]+$")
    errors = []
    partners = set()
    block = None
    seen_partner = False

    def close(b):
        if b is None:
            return
        for ln, pid in b["person_refs"]:
            if pid not in b["persons"]:
                errors.append("%d: undeclared person %s" % (ln, pid))
        for ln, sid in b["score_refs"]:
            if sid not in b["scores"]:
                errors.append("%d: undeclared low-score %s" % (ln, sid))

    for ln, raw in enumerate(text.split("\n"), 1):
        toks = R.tokenize(raw)
        if not toks:
            continue
        kind = toks[0][1]
        if kind not in SCHEMA or toks[0][2]:
            errors.append("%d: bad kind %r" % (ln, kind))
            continue
        pos_t, opt_t, named_t = SCHEMA[kind]
        pos = [t for t in toks[1:] if t[0] == "pos"]
        named = [t for t in toks[1:] if t[0] == "named"]
        # named fields after positional ones
        kinds_seq = [t[0] for t in toks[1:]]
        if "named" in kinds_seq and "pos" in kinds_seq[kinds_seq.index("named"):]:
            errors.append("%d: positional after named" % ln)
        if not len(pos_t) <= len(pos) <= len(pos_t) + len(opt_t):
            errors.append("%d: arity" % ln)
            continue
        for (_, v, is_str), ty in zip(pos, pos_t + opt_t):
            if ty == "string":
                if not is_str:
                    errors.append("%d: expected string" % ln)
                continue
            if is_str:
                errors.append("%d: unexpected string" % ln)
                continue
            if ty == "date":
                try:
                    assert re.match(r"^\d{4}-\d{2}-\d{2}$", v)
                    R.parse_date(v)
                except Exception:
                    errors.append("%d: bad date %r" % (ln, v))
            elif ty == "count":
                if not re.match(r"^\d+$", v):
                    errors.append("%d: bad count %r" % (ln, v))
            elif not word.match(v):
                errors.append("%d: bad word %r" % (ln, v))
            elif ty in ENUMS and v not in ENUMS[ty]:
                errors.append("%d: bad %s %r" % (ln, ty, v))
        names = [t[1] for t in named]
        if len(set(names)) != len(names):
            errors.append("%d: repeated named field" % ln)
        for _, k, v in named:
            if k not in named_t:
                errors.append("%d: unknown field %r" % (ln, k))
                continue
            try:
                R.parse_date(v)
            except Exception:
                errors.append("%d: bad date %r" % (ln, v))
        if kind == "as-of":
            if seen_partner:
                errors.append("%d: as-of after partner" % ln)
            continue
        if kind == "partner":
            seen_partner = True
            close(block)
            if pos[0][1] in partners:
                errors.append("%d: duplicate partner" % ln)
            partners.add(pos[0][1])
            block = {"persons": set(), "scores": set(), "person_refs": [], "score_refs": []}
            continue
        if block is None:
            errors.append("%d: fact before partner" % ln)
            continue
        if kind == "person":
            if pos[0][1] in block["persons"]:
                errors.append("%d: duplicate person" % ln)
            block["persons"].add(pos[0][1])
        elif kind in ("credential", "exam", "role"):
            block["person_refs"].append((ln, pos[0][1]))
        elif kind == "low-score":
            if pos[0][1] in block["scores"]:
                errors.append("%d: duplicate low-score" % ln)
            block["scores"].add(pos[0][1])
        elif kind == "follow-up":
            block["score_refs"].append((ln, pos[0][1]))
    close(block)
    return errors


def check_gen_valid():
    gen = os.path.join(HERE, "gen.py")
    for seed in range(1, 21):
        args = [sys.executable, gen, "--seed", str(seed), "--count", "60"]
        if seed % 5 == 0:
            args.append("--crlf")
        data = subprocess.run(args, check=True, stdout=subprocess.PIPE).stdout
        text = data.decode("utf-8").replace("\r\n", "\n")
        assert text.count("\nas-of ") + text.startswith("as-of ") == 1
        errs = strict_check(text)
        assert not errs, (seed, errs[:5])
        again = subprocess.run(args, check=True, stdout=subprocess.PIPE).stdout
        assert again == data, "gen.py is not deterministic for seed %d" % seed


def main():
    check_add_months()
    check_parsing()
    check_gen_valid()
    fails = []
    names = set()
    for case in CASES:
        assert case[0] not in names, case[0]
        names.add(case[0])
        fails += check_case(*case)
    for f in fails:
        print("FAIL", f)
    print("%d cases, %d failures" % (len(CASES), len(fails)))
    sys.exit(1 if fails else 0)


if __name__ == "__main__":
    main()
