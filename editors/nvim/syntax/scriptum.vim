" Vim syntax file for Scriptum workflow scripts (*.scriptum)
if exists('b:current_syntax')
  finish
endif

syn case match

syn keyword scriptumHeader script version enum input output stream import tools env secrets
syn keyword scriptumStep do let each decide check together pipe repeat wait agent ask plan run emit yield send
syn keyword scriptumModifier with in from parallel sleep batch via rules when otherwise until max native mcp
syn keyword scriptumError on error thread retry fallback ignore pass fail continue goto
syn keyword scriptumOperator and or not
syn keyword scriptumBoolean true false
syn keyword scriptumNull null
syn keyword scriptumType text string number float double integer int int32 int64 long boolean bool object binary date timestamp datetime any value list map
syn keyword scriptumCapability llm embed rerank transcribe infer
syn keyword scriptumConstraint range min max length pattern min_items max_items unique

syn match scriptumNumber '\<\d\+\(\.\d\+\)\=\>'
syn match scriptumArrow '->>\=\|=>'
syn match scriptumFieldName '^\s*\zs\h\w*\ze\s*[:=]' contains=NONE
syn match scriptumLabel '^\s*"[^"]*"\ze\s*:\s*$'

syn region scriptumInterpolation matchgroup=scriptumInterpDelim start='{' end='}' contained contains=NONE
syn region scriptumString start='"' skip='\\\\\|\\"' end='"' oneline contains=scriptumInterpolation,scriptumEscape
syn region scriptumLongString start='"""' end='"""' contains=scriptumInterpolation
syn match scriptumEscape '\\.' contained

syn match scriptumSection '^\s*###.*###\s*$'
syn match scriptumAnnotation '--\s*@\h\w*.*$'
syn match scriptumComment '--.*$' contains=scriptumTodo,scriptumAnnotation
syn keyword scriptumTodo TODO FIXME XXX NOTE contained

hi def link scriptumHeader Keyword
hi def link scriptumStep Statement
hi def link scriptumModifier Keyword
hi def link scriptumError Exception
hi def link scriptumOperator Operator
hi def link scriptumArrow Operator
hi def link scriptumBoolean Boolean
hi def link scriptumNull Constant
hi def link scriptumType Type
hi def link scriptumCapability Function
hi def link scriptumConstraint Function
hi def link scriptumNumber Number
hi def link scriptumString String
hi def link scriptumLongString String
hi def link scriptumEscape SpecialChar
hi def link scriptumInterpolation Identifier
hi def link scriptumInterpDelim Delimiter
hi def link scriptumSection Title
hi def link scriptumAnnotation PreProc
hi def link scriptumComment Comment
hi def link scriptumTodo Todo
hi def link scriptumLabel Label
hi def link scriptumFieldName Identifier

let b:current_syntax = 'scriptum'
