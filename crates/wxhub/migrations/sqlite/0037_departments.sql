-- Departments (部门): a roster entry's, and a member's (from the roster, or collected when the
-- activity asks for it), for a quiz's ranking by department. Personal like the name beside it:
-- erased with it.
ALTER TABLE meeting_members ADD COLUMN department TEXT NOT NULL DEFAULT '';
ALTER TABLE activity_members ADD COLUMN department TEXT NOT NULL DEFAULT '';
