-- findings_follow_up_status: the one write of the follow-up into the audit's own tables: findings gets
-- follow_up_status (fu_new_status: baseline | new | newly_visible). Only run with --baseline; an audit without
-- a baseline has no such column.
alter table findings add column if not exists follow_up_status varchar;
update findings set follow_up_status = s.follow_up_status from fu_new_status s where findings.rowid = s.nid;
