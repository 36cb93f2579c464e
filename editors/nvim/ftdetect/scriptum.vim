" Scriptum workflow scripts
autocmd BufRead,BufNewFile *.scriptum setfiletype scriptum
