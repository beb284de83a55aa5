console.log('koodrive-backup: under construction');
