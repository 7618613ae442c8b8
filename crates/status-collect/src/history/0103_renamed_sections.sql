-- Renamed: the section `host_jobs` is `app_jobs` (the app's jobs; `host` is the machine), and its
-- check `host_jobs_overdue` is `app_jobs_overdue`. Stored paths, series keys, check names and the
-- health report's check and component names are rewritten, so that a snapshot, a series or the
-- health history asked for by the new names goes back past the rename.
UPDATE history_paths
SET path = '["app_jobs"' || substr(path, 13), key = 'app_jobs' || substr(key, 10)
WHERE substr(path, 1, 12) = '["host_jobs"';

UPDATE history_paths
SET path = '["collection","sections","app_jobs"' || substr(path, 37),
    key = 'collection.sections.app_jobs' || substr(key, 30)
WHERE substr(path, 1, 36) = '["collection","sections","host_jobs"';

UPDATE history_changes SET value = '"app_jobs_overdue"'
WHERE value = '"host_jobs_overdue"'
    AND key_id IN (SELECT id FROM history_paths WHERE substr(key, 1, 7) = 'health.');

UPDATE history_changes SET value = '"app_jobs"'
WHERE value = '"host_jobs"'
    AND key_id IN (SELECT id FROM history_paths WHERE substr(key, 1, 7) = 'health.');

UPDATE history_health_events SET check_name = 'app_jobs_overdue' || substr(check_name, 18)
WHERE substr(check_name, 1, 17) = 'host_jobs_overdue';
